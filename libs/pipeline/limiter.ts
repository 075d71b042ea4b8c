/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order. The
 * limit can change while in use (a window that shrinks under backpressure): lowering it lets
 * current holders finish and admits no one until the count is below the new limit.
 */
export interface Limiter {
  acquire(): Promise<void>;
  release(): void;
  setLimit(limit: number): void;
  readonly active: number;
  readonly limit: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

export function createLimiter(initialLimit: number): Limiter {
  let limit = initialLimit;
  let active = 0;
  const waiting: Array<() => void> = [];
  const admit = () => {
    while (active < limit && waiting.length > 0) {
      active++;
      waiting.shift()!();
    }
  };
  return {
    acquire() {
      if (active < limit && waiting.length === 0) {
        active++;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release() {
      active--;
      admit();
    },
    setLimit(next) {
      limit = Math.max(1, next);
      admit();
    },
    get active() {
      return active;
    },
    get limit() {
      return limit;
    },
    get waiting() {
      return waiting.length;
    },
  };
}

/** What the stage behind a window says about its load. */
export type StageLoad = "saturated" | "steady" | "relaxed";

/**
 * One step of a window's AIMD control: a quarter smaller while the stage behind it is saturated
 * (more samples in flight would only wait there, holding memory), `step` larger while it is
 * relaxed, always within [min, max].
 */
export function adjustWindow(window: Limiter, load: StageLoad, bounds: { readonly min: number; readonly max: number; readonly step: number }): void {
  const min = Math.min(bounds.min, bounds.max);
  if (load === "saturated") window.setLimit(Math.max(min, Math.floor(window.limit * 0.75)));
  else if (load === "relaxed") window.setLimit(Math.min(bounds.max, window.limit + bounds.step));
}
