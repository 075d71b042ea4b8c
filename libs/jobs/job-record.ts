import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { fingerprintOf, jsonValue, parseDownloadOptions, type DownloadOptions } from "@laion-dl/config";

/** A job as kept in the jobs bucket: everything an assembler needs to work on its shards. */
export interface JobRecord {
  readonly jobId: string;
  readonly options: DownloadOptions;
  readonly state: "ingesting" | "ingested" | "failed";
  /** Known once ingest has read the whole manifest. */
  readonly shardsTotal: number | null;
  readonly error: string | null;
}

/**
 * Per-shard state in the shards bucket: "queued" when ingest publishes its unit, "done" once its
 * files are renamed into place (the folder's checksum record is what proves it, not this). Each
 * time a shard is queued again (its files were lost) its generation grows, naming a new unit.
 */
export type ShardRecord =
  /**
   * `takes`: how often an assembler has locked the shard and started on it (absent: never). The
   * crash-loop bound counts these as well as JetStream's delivery count, which one full test run
   * saw start again at 1 on later takes (never explained), leaving the loop unbounded.
   */
  | { readonly status: "queued"; readonly generation: number; readonly takes?: number }
  /** Failed on each of `deliveries` deliveries: taken off the queue so it cannot hold up other jobs; its job fails. */
  | { readonly status: "parked"; readonly generation: number; readonly deliveries: number; readonly error: string }
  | {
      readonly status: "done";
      readonly generation: number;
      readonly count: number;
      readonly successes: number;
      readonly tarSha256: string;
      readonly parquetSha256: string;
    };

/**
 * A job's id is derived from what determines its bytes (manifest, folder and the options that shape
 * bytes), so submitting the same job twice names the same job and publishes no duplicate work,
 * whatever speed options (thread_count, processes_count) either submission asked for.
 */
export function jobIdOf(options: DownloadOptions): string {
  const identity = { ...fingerprintOf(options), url_list: resolve(options.url_list), output_folder: resolve(options.output_folder) };
  const canonical = JSON.stringify(Object.entries(identity).sort());
  return `job-${createHash("sha256").update(canonical).digest("hex").slice(0, 16)}`;
}

export function shardKey(jobId: string, shardId: number): string {
  return `${jobId}.${shardId}`;
}

/** Options travel as JSON; Infinity (max_image_area's default) does not survive JSON, so it is spelled out. */
export function encodeOptions(options: DownloadOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, jsonValue(value)]));
}

export function decodeOptions(raw: unknown): DownloadOptions {
  return parseDownloadOptions(raw as Record<string, unknown>);
}
