import type { ObjectStore } from "nats";
import { attempt, BusError } from "./errors.ts";
import { shardKey } from "./names.ts";

/**
 * A shard's input rows, written once by ingest and read by whichever assembler takes the unit. Stored
 * as one JSON object in a JetStream object store, which chunks it under max_payload.
 */
export interface ShardInputStore {
  /** Replaces what was stored for the shard, so a re-submitted job overwrites rather than adds. */
  put(jobId: string, shardId: number, rows: readonly unknown[]): Promise<void>;
  /** Throws a BusError when nothing is stored for the shard. */
  get(jobId: string, shardId: number): Promise<unknown[]>;
  /** Deleting a shard that has no inputs is not an error. */
  delete(jobId: string, shardId: number): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createShardInputStore(os: ObjectStore, bucket: string): ShardInputStore {
  return {
    async put(jobId, shardId, rows) {
      const name = shardKey(jobId, shardId);
      if (!Array.isArray(rows)) throw new TypeError(`Expected array for rows of shard ${name} but received ${typeof rows}`);
      const data = encoder.encode(JSON.stringify(rows));
      await attempt(`storing inputs of shard ${name}`, () => os.putBlob({ name }, data));
    },
    async get(jobId, shardId) {
      const name = shardKey(jobId, shardId);
      const data = await attempt(`reading inputs of shard ${name}`, () => os.getBlob(name));
      if (data === null) throw new BusError(`no inputs stored for shard ${name} in ${bucket}`);
      const rows: unknown = JSON.parse(decoder.decode(data));
      if (!Array.isArray(rows)) throw new BusError(`inputs of shard ${name} in ${bucket} are not an array`);
      return rows;
    },
    async delete(jobId, shardId) {
      const name = shardKey(jobId, shardId);
      await attempt(`deleting inputs of shard ${name}`, () => os.delete(name));
    },
  };
}
