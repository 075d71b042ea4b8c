import type { Bus } from "@laion-dl/bus";
import type { JobRecord, ShardRecord } from "./job-record.ts";

export interface JobStatus {
  readonly jobId: string;
  /** ingesting | running (all shards published, some unfinished) | done | failed */
  readonly state: string;
  readonly shardsTotal: number | null;
  readonly shardsDone: number;
  readonly samplesDone: number;
  readonly successes: number;
  readonly error: string | null;
}

export async function jobStatus(bus: Bus, jobId: string): Promise<JobStatus | null> {
  const job = (await bus.jobs.get(jobId)) as JobRecord | null;
  if (!job) return null;
  let shardsDone = 0;
  let parked: string | null = null;
  let samplesDone = 0;
  let successes = 0;
  for (const [key, value] of await bus.shards.entries(`${jobId}.`)) {
    const shard = value as ShardRecord;
    if (shard.status === "parked") parked ??= `shard ${key.slice(jobId.length + 1)} parked after ${shard.deliveries} deliveries: ${shard.error}`;
    if (shard.status !== "done") continue;
    shardsDone++;
    samplesDone += shard.count;
    successes += shard.successes;
  }
  const state =
    job.state === "failed" || parked !== null
      ? "failed"
      : job.state === "ingesting"
        ? "ingesting"
        : shardsDone >= (job.shardsTotal ?? Infinity)
          ? "done"
          : "running";
  return { jobId, state, shardsTotal: job.shardsTotal, shardsDone, samplesDone, successes, error: job.error ?? parked };
}
