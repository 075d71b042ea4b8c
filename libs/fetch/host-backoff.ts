import { setTimeout as sleep } from "node:timers/promises";

/**
 * Per-host pauses after a server asked us to slow down (429/503 + Retry-After). One instance
 * serves a whole fetcher; in a fleet, holds learnt by one fetcher are relayed to the others.
 */
export interface HostBackoff {
  /** Resolves once requests to `host` may go out again. */
  wait(host: string): Promise<void>;
  /** Holds requests to `host` until the given time; a shorter hold never shortens a longer one. */
  hold(host: string, untilEpochMs: number): void;
  /** Hosts held back now (laion_dl_host_backoffs). */
  inForce(): number;
}

export function createHostBackoff(): HostBackoff {
  const holds = new Map<string, number>();
  return {
    async wait(host) {
      for (;;) {
        const until = holds.get(host);
        if (until === undefined) return;
        const remaining = until - Date.now();
        if (remaining <= 0) {
          holds.delete(host);
          return;
        }
        await sleep(remaining);
      }
    },
    hold(host, untilEpochMs) {
      if (untilEpochMs > (holds.get(host) ?? 0)) holds.set(host, untilEpochMs);
    },
    inForce() {
      const now = Date.now();
      let count = 0;
      for (const [host, until] of holds) {
        if (until > now) count++;
        else holds.delete(host); // a hold nobody waited out
      }
      return count;
    },
  };
}
