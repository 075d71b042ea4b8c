import type { KV } from "nats";
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
}

const WRONG_LAST_SEQUENCE = 10071;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createKvStore<T>(kv: KV, bucket: string): KvStore<T> {
  return {
    async get(key) {
      const entry = await attempt(`reading ${bucket}/${key}`, () => kv.get(key));
      if (entry === null || entry.operation !== "PUT") return null;
      try {
        return JSON.parse(decoder.decode(entry.value)) as T;
      } catch (error) {
        throw new BusError(`${bucket}/${key} does not hold JSON`, { cause: error });
      }
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
        const filter = prefix.endsWith(".") ? `${prefix}>` : ">";
        for await (const key of await kv.keys(filter)) if (key.startsWith(prefix)) found.add(key);
        return [...found].sort();
      });
    },
  };
}

function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}
