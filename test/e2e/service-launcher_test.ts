// bin/laion-dl-service: the one way every service process starts (pnpm start, pnpm stack, the bench,
// the tests, the container image), with its process settings.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startNatsServer, startServiceProcess } from "@laion-dl/testing";

const LAUNCHER = fileURLToPath(new URL("../../bin/laion-dl-service", import.meta.url));

test("service launcher: an unknown service name exits 2 with the usage line", async () => {
  const failure = await promisify(execFile)(LAUNCHER, ["fetchr"]).then(
    () => assert.fail("expected a usage error"),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failure.code, 2);
  assert.match(failure.stderr, /usage: laion-dl-service ingest\|fetcher\|transformer\|assembler/);
});

test("service launcher: each of the four services runs with its heap, malloc and libuv settings (a transformer's pool sized by its concurrency); the caller's variables win", async (t) => {
  // Ingest serves only once NATS answers; the others stay up NOT_SERVING without it (port 1).
  const nats = await startNatsServer();
  t.after(() => nats.stop());
  const inherited = process.env.UV_THREADPOOL_SIZE;
  const transformer = { name: "transformer", flag: "--initial-old-space-size=64", arenas: "2", ready: "listening" };
  const fetcherAddress = { LAION_DL_FETCHER_ADDRESSES: "127.0.0.1:1" };
  const cases: {
    name: string;
    env: Record<string, string>;
    args?: string[];
    flag: string;
    arenas: string;
    threadpool: string | undefined;
    ready: string;
  }[] = [
    { name: "fetcher", env: {}, flag: "--initial-old-space-size=96", arenas: "2", threadpool: "64", ready: "listening" },
    // A transformer's pool: its images in flight (2 per core by default) and two spare threads.
    { ...transformer, env: fetcherAddress, threadpool: String(2 * availableParallelism() + 2) },
    { ...transformer, env: { ...fetcherAddress, LAION_DL_CONCURRENCY: "5" }, threadpool: "7" },
    { ...transformer, env: { ...fetcherAddress, LAION_DL_CONCURRENCY: "5" }, args: ["--concurrency", "3"], threadpool: "5" },
    { ...transformer, env: fetcherAddress, args: ["--concurrency=010"], threadpool: "12" },
    { ...transformer, env: { ...fetcherAddress, LAION_DL_CONCURRENCY: "3", UV_THREADPOOL_SIZE: "12" }, threadpool: "12" },
    {
      name: "assembler",
      env: { LAION_DL_FETCHER_ADDRESSES: "127.0.0.1:1", LAION_DL_TRANSFORMER_ADDRESSES: "127.0.0.1:1", MALLOC_ARENA_MAX: "3" },
      flag: "--initial-old-space-size=64",
      arenas: "3",
      threadpool: inherited,
      ready: "listening",
    },
    { name: "ingest", env: { LAION_DL_NATS_URL: nats.url }, flag: "--initial-old-space-size=64", arenas: "2", threadpool: inherited, ready: "serving" },
  ];
  for (const { name, env, args, flag, arenas, threadpool, ready } of cases) {
    const service = startServiceProcess(name, { LAION_DL_NATS_URL: "nats://127.0.0.1:1", LAION_DL_HOST: "127.0.0.1", LAION_DL_PORT: "0", ...env }, args);
    t.after(() => service.child.kill("SIGKILL"));
    await service.waitForEvent(ready);
    const pid = service.child.pid!;
    const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
    const environ = new Map(
      (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    assert.equal(argv.includes(flag), true, `${name}: ${argv.join(" ")}`);
    // The launcher execs node: no shell left between, the flags passed on.
    assert.deepEqual(argv.slice(argv.indexOf("main.ts")), ["main.ts", ...(args ?? []), ""], `${name}: ${argv.join(" ")}`);
    assert.equal(environ.get("MALLOC_ARENA_MAX"), arenas, name);
    // bin/with-allocator's glibc setting, except for the fetcher, whose copies of each body stay in the arena.
    assert.equal(environ.get("MALLOC_MMAP_THRESHOLD_"), name === "fetcher" ? "4194304" : "131072", name);
    assert.equal(environ.get("MALLOC_TRIM_THRESHOLD_"), name === "fetcher" ? "16777216" : undefined, name);
    assert.equal(environ.get("UV_THREADPOOL_SIZE"), threadpool, `${name} ${JSON.stringify({ env, args })}`);
    service.child.kill("SIGKILL");
    await service.exited;
  }
});
