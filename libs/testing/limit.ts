// Caps how many renders run at once: each holds a raw frame (up to 256 MB at 8000x8000 RGBA), and
// more renders than cores only interleave without finishing any sooner.

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `concurrency` tasks at a time; the others wait in arrival order. */
export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Expected positive integer for concurrency but received ${concurrency}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < concurrency) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so a newcomer cannot overtake the queue.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
