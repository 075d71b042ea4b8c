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
  };
}
