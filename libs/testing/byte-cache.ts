// Least-recently-used cache of encoded images bounded by total bytes. Concurrent requests for the
// same key share one render, so a burst of clients asking for one big image renders it once.

export interface ByteCache {
  get(key: string, produce: () => Promise<Buffer>): Promise<Buffer>;
  /** Bytes currently held (not counting renders in flight). */
  readonly size: number;
}

export function createByteCache(maxBytes: number): ByteCache {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`Expected non-negative integer for cacheBytes but received ${maxBytes}`);
  }
  // A Map iterates in insertion order, so re-inserting on every hit keeps the oldest entry first.
  const entries = new Map<string, Buffer>();
  const pending = new Map<string, Promise<Buffer>>();
  let size = 0;

  function store(key: string, value: Buffer): void {
    if (value.length > maxBytes || entries.has(key)) return;
    entries.set(key, value);
    size += value.length;
    for (const [oldKey, oldValue] of entries) {
      if (size <= maxBytes) break;
      entries.delete(oldKey);
      size -= oldValue.length;
    }
  }

  return {
    get(key, produce) {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return Promise.resolve(hit);
      }
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;
      const produced = produce().then(
        (value) => {
          pending.delete(key);
          store(key, value);
          return value;
        },
        (error: unknown) => {
          pending.delete(key);
          throw error;
        },
      );
      pending.set(key, produced);
      return produced;
    },
    get size() {
      return size;
    },
  };
}
