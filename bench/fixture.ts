// Starts bench/fixture-child.ts (the fixture server) as a separate process and drives it.
import { fork } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { killOnExit } from "./children.ts";
import { BENCH_DIR, REPO_ROOT } from "./options.ts";

export type FixtureRequest = { type: "warm"; urls: readonly string[] } | { type: "close" };
export type FixtureReply = { type: "ready"; baseUrl: string } | { type: "warmed"; bytes: number; seconds: number; failures: string[] };

export interface FixtureProcess {
  readonly baseUrl: string;
  readonly pid: number;
  /** Fetches every URL once; resolves with the bytes served and the time taken. */
  warm(urls: readonly string[]): Promise<{ bytes: number; seconds: number }>;
  close(): Promise<void>;
}

/** The fixture server with a memory cache of `cacheBytes`, keeping rendered images in `cacheDir`. */
export async function startFixtureProcess(cacheBytes: number, cacheDir: string): Promise<FixtureProcess> {
  const child = fork(join(BENCH_DIR, "fixture-child.ts"), [], {
    cwd: REPO_ROOT,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_FIXTURE_CACHE_BYTES: String(cacheBytes), BENCH_FIXTURE_CACHE_DIR: cacheDir },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  killOnExit(child);
  const reply = <T extends FixtureReply["type"]>(type: T) =>
    new Promise<Extract<FixtureReply, { type: T }>>((resolve, reject) => {
      const onMessage = (message: FixtureReply) => {
        if (message.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(message as Extract<FixtureReply, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`fixture server exited (${code}) while waiting for "${type}"`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const { baseUrl } = await reply("ready");
  return {
    baseUrl,
    pid: child.pid!,
    async warm(urls) {
      const done = reply("warmed");
      child.send({ type: "warm", urls } satisfies FixtureRequest);
      const { bytes, seconds, failures } = await done;
      if (failures.length > 0) throw new Error(`fixture server failed ${failures.length} warm-up requests, e.g. ${failures[0]}`);
      return { bytes, seconds };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.send({ type: "close" } satisfies FixtureRequest);
      await exited;
    },
  };
}
