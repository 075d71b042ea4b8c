// The machine is shared: before a timed run, wait (a bounded time) until nothing else is busy.
import { setTimeout as sleep } from "node:timers/promises";
import { machineMeter } from "./proc.ts";

/** Busy cores (everything on the machine) below which it counts as quiet. */
const QUIET_CORES = 0.15;
const WINDOW_MS = 1_000;

/** Resolves once a 1 s window is quiet, or after `maxSeconds`, saying so if it had to wait. */
export async function waitForQuiet(maxSeconds: number, log: (line: string) => void): Promise<void> {
  if (maxSeconds === 0) return sleep(WINDOW_MS);
  const deadline = performance.now() + maxSeconds * 1000;
  let busiest = 0;
  for (let waited = false; ; waited = true) {
    const meter = machineMeter();
    await sleep(WINDOW_MS);
    const busy = meter.read() / (WINDOW_MS / 1000);
    if (busy < QUIET_CORES) {
      if (waited) log(`  (waited for other processes to go quiet: up to ${busiest.toFixed(2)} cores busy)`);
      return;
    }
    busiest = Math.max(busiest, busy);
    if (performance.now() >= deadline) {
      log(`  (machine still busy after ${maxSeconds} s: ${busy.toFixed(2)} cores used by other processes; measuring anyway)`);
      return;
    }
  }
}
