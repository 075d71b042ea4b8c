import type { KV, KvEntry, QueuedIterator } from "nats";
import { apiErrorCode, attempt, BusError } from "./errors.ts";

/** JSON values under string keys ([-/_=.a-zA-Z0-9]+) in a JetStream KV bucket. */
export interface KvStore<T> {
  /** null when the key was never written or was deleted. */
  get(key: string): Promise<T | null>;
  put(key: string, value: T): Promise<void>;
  /** Writes only if the key holds no value: false when it does (someone else created it first). */
  create(key: string, value: T): Promise<boolean>;
  /** Keys starting with `prefix`; a prefix ending in "." is filtered on the server. */
  keys(prefix?: string): Promise<string[]>;
  /**
   * The value of every key starting with `prefix` (filtered on the server as keys() is), in key
   * order, streamed in one pass: a job's 10 000 shard records cost one consumer, not 10 000 round trips.
   */
  entries(prefix?: string): Promise<Map<string, T>>;
  /**
   * Follows the keys starting with `prefix` (filtered as keys() is): `onChange` sees each key's last
   * value, then every later write as it happens (null once a key is deleted). Resolves once the
   * last values have all been seen, so that a follower answers from memory what entries() would
   * read again in full.
   */
  follow(prefix: string, onChange: (key: string, value: T | null) => void): Promise<KvFollow>;
}

export interface KvFollow {
  stop(): void;
  /** Settles once the follow has ended: stopped, or its connection closed for good. */
  readonly ended: Promise<void>;
}

const WRONG_LAST_SEQUENCE = 10071;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createKvStore<T>(kv: KV, bucket: string): KvStore<T> {
  const valueOf = (entry: KvEntry): T => {
    try {
      return JSON.parse(decoder.decode(entry.value)) as T;
    } catch (error) {
      throw new BusError(`${bucket}/${entry.key} does not hold JSON`, { cause: error });
    }
  };
  return {
    async get(key) {
      const entry = await attempt(`reading ${bucket}/${key}`, () => kv.get(key));
      return entry === null || entry.operation !== "PUT" ? null : valueOf(entry);
    },
    async put(key, value) {
      await attempt(`writing ${bucket}/${key}`, () => kv.put(key, encode(value)));
    },
    async create(key, value) {
      return attempt(`creating ${bucket}/${key}`, async () => {
        try {
          await kv.create(key, encode(value));
          return true;
        } catch (error) {
          if (apiErrorCode(error) === WRONG_LAST_SEQUENCE) return false;
          throw error;
        }
      });
    },
    async keys(prefix = "") {
      return attempt(`listing ${bucket}`, async () => {
        // A Set: nats.js lists a key again when it is written while the listing runs (its consumer
        // delivers the new revision too), which counted a shard finishing at that moment twice.
        const found = new Set<string>();
        for await (const key of await kv.keys(filterOf(prefix))) if (key.startsWith(prefix)) found.add(key);
        return [...found].sort();
      });
    },
    async entries(prefix = "") {
      const read = await attempt(`reading ${bucket}`, async () => {
        // The watch replays each key's last value, then says it has caught up (at once when there
        // is nothing to replay, before kv.watch has even returned): that is where the pass ends.
        let caughtUp = false;
        let watch: QueuedIterator<KvEntry> | undefined;
        watch = await kv.watch({
          key: filterOf(prefix),
          initializedFn: () => {
            caughtUp = true;
            watch?.stop();
          },
        });
        if (caughtUp) watch.stop();
        // Later revisions of a key written meanwhile replace the earlier ones; a deleted key goes.
        const latest = new Map<string, KvEntry>();
        for await (const entry of watch) {
          if (!entry.key.startsWith(prefix)) continue;
          if (entry.operation === "PUT") latest.set(entry.key, entry);
          else latest.delete(entry.key);
        }
        return latest;
      });
      return new Map([...read].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, entry]) => [key, valueOf(entry)]));
    },
    async follow(prefix, onChange) {
      return attempt(`following ${bucket}`, async () => {
        // nats.js says it has caught up either in order (the iterator calls back once the replay
        // before it has been taken) or out of band, before kv.watch returns, with the replay still
        // queued: in both cases the replay is the entries received by then.
        let replayLength: number | null = null;
        let taken = 0;
        let caughtUp!: () => void;
        const replayed = new Promise<void>((resolve) => (caughtUp = resolve));
        const settle = () => {
          if (replayLength !== null && taken >= replayLength) caughtUp();
        };
        let watch: QueuedIterator<KvEntry> | undefined;
        let earlyCatchUp = false;
        watch = await kv.watch({
          key: filterOf(prefix),
          initializedFn: () => {
            if (!watch) earlyCatchUp = true;
            else {
              replayLength = watch.getReceived();
              settle();
            }
          },
        });
        if (earlyCatchUp) replayLength = watch.getReceived();
        settle();
        const following = watch;
        const ended = (async () => {
          for await (const entry of following) {
            taken++;
            if (entry.key.startsWith(prefix)) onChange(entry.key, entry.operation === "PUT" ? valueOf(entry) : null);
            settle();
          }
        })();
        // A watch that ends before catching up (closed connection, a value that is not JSON) fails the follow.
        await Promise.race([replayed, ended.then(() => Promise.reject(new Error("the watch ended before it caught up")))]);
        return { stop: () => following.stop(), ended: ended.catch(() => {}) };
      });
    },
  };
}

/** The subject filter of a key prefix: exact up to its last "." (the server filters), "everything" otherwise. */
function filterOf(prefix: string): string {
  return prefix.endsWith(".") ? `${prefix}>` : ">";
}

function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}
