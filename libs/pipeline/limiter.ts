/** A counting semaphore: at most `limit` holders at once, waiters served in arrival order. */
export interface Limiter {
  acquire(): Promise<void>;
  release(): void;
  readonly active: number;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    acquire() {
      if (active < limit) {
        active++;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else active--;
    },
    get active() {
      return active;
    },
  };
}
