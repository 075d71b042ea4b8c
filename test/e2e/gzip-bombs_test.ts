// Finding 8 through the whole CLI: 64 gzip bombs (256 MiB of zeros each, ~256 KB on the wire) on a
// loopback server, `laion-dl download` with its default options. Every bomb is a failed row, and
// the process's peak RSS (the kernel's VmHWM) stays under 400 MB.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { readParquetRows } from "../helpers/shards.ts";

const ROWS = 64;
/** Issue #13's figure for 64 bombs at the defaults. */
const MAX_PEAK_RSS = 400 * 1000 * 1000;
const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");

let fixture: FixtureServer;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "laion-dl-gzip-bombs-"));
  fixture = await startFixtureServer();
  await fetch(`${fixture.baseUrl}/gzip-bomb/256.jpg`, { method: "HEAD" }); // compressed once, before the clock runs
});

after(async () => {
  await fixture?.close();
  await rm(work, { recursive: true, force: true });
});

/**
 * Runs `laion-dl download --url_list <one URL a line>` with default options (private addresses
 * allowed: the server is on loopback) and samples the CLI's VmHWM until it exits. VmHWM is the
 * kernel's high-water mark, so a spike between two readings still counts in the next.
 */
async function download(name: string, urls: readonly string[]): Promise<{ output: string; peakRssBytes: number }> {
  const manifest = join(work, `${name}.txt`);
  await writeFile(manifest, urls.map((url) => `${url}\n`).join(""));
  const output = join(work, name);
  // bin/laion-dl execs node: the pid spawned is the CLI's own process (shard workers are its threads).
  const cli = spawn(laionDl, ["download", "--url_list", manifest, "--output_folder", output, "--allow_private_network", "True"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  cli.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) => cli.once("close", (exitCode) => resolve(void (code = exitCode))));
  let peakRssBytes = 0;
  let readings = 0;
  while (code === undefined) {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${cli.pid}/status`, "utf8").catch(() => ""))?.[1];
    if (kib !== undefined) {
      peakRssBytes = Math.max(peakRssBytes, Number(kib) * 1024);
      readings++;
    }
    await sleep(20);
  }
  await exited;
  assert.equal(code, 0, stderr);
  assert.ok(readings > 10, `read the CLI's VmHWM ${readings} times`);
  return { output, peakRssBytes };
}

test("gzip bombs: 64 at once through `laion-dl download` with default options: each a failed row, peak RSS under 400 MB", async () => {
  const bombUrls = Array.from({ length: ROWS }, (_, i) => `${fixture.baseUrl}/gzip-bomb/256.jpg?bomb=${i}`); // distinct URLs, one body
  const bombs = await download("bombs", bombUrls);

  // Each bomb is cut once it inflates past max_response_bytes; one still waiting for room in the
  // budget when its deadline passes (a loaded machine) is a timeout. Either way, none is lost.
  const rows = await readParquetRows(bombs.output);
  assert.deepEqual(
    rows.map((row) => [row.url, row.status]),
    bombUrls.map((url) => [url, "failed_to_download"]),
  );
  const messages = new Map<string, number>();
  for (const row of rows) messages.set(String(row.error_message), (messages.get(String(row.error_message)) ?? 0) + 1);
  assert.deepEqual(
    [...messages.keys()].filter((message) => message !== "response too large" && message !== "timeout"),
    [],
  );
  assert.ok(messages.has("response too large"));

  // Without the budget the bombs took the CLI to 1.15 GB. With it: a small job's ~140 MiB, plus
  // max_inflight_bytes, plus one body past it (so partial bodies alone never stall every
  // download), plus the dropped bodies V8 has not collected yet.
  const counts = [...messages].map(([message, count]) => `${count} ${message}`).join(", ");
  const megabytes = (bombs.peakRssBytes / 1e6).toFixed(0);
  console.log(`peak RSS of the CLI under ${ROWS} gzip bombs: ${megabytes} MB (${counts})`);
  assert.ok(bombs.peakRssBytes < MAX_PEAK_RSS, `peak RSS ${megabytes} MB under ${ROWS} bombs`);
});
