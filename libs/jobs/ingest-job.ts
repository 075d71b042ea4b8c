import { setTimeout as sleep } from "node:timers/promises";
import { BusError, type Bus } from "@laion-dl/bus";
import type { DownloadOptions } from "@laion-dl/config";
import { openManifest } from "@laion-dl/manifest";
import { claimJobFolder, sampleInputOf, shardGroups, type SampleInput } from "@laion-dl/pipeline";
import { clearOutputFolder, keyLayout, outputFolder, shardName, withOutputFolderLock, type OutputFolder } from "@laion-dl/shard";
import { encodeOptions, jobIdOf, shardKey, type JobRecord, type ShardRecord } from "./job-record.ts";
import { verifiedShardStats } from "./verified-shard.ts";

export interface IngestControl {
  /** Ingest waits while this many shards are published but not yet finished (the fleet's backlog). */
  readonly maxOutstanding: number;
  readonly signal?: AbortSignal;
  /** The job's record says "ingesting" (GetJob no longer shows an earlier run's state). */
  onRecorded?(): void;
  onShardPublished?(shardId: number): void;
}

export interface IngestResult {
  readonly jobId: string;
  readonly shardsTotal: number;
  readonly shardsPublished: number;
}

/**
 * Streams the manifest into shard work units: each shard's rows are stored where any assembler
 * can read them, then one unit per shard goes on the work queue. The output folder is claimed
 * for the job first (its job file, as the embedded mode writes it: another job's folder is
 * refused). A shard counts as done only while its files verify against their checksum record:
 * those are not published again (whoever wrote them, the fleet or the CLI), a shard still queued
 * is left to its unit, and any other (new, or recorded done but lost since) is published. With
 * incremental_mode overwrite the folder starts afresh, as in the embedded mode: it is emptied and
 * every shard is published again under a new generation, whatever its record says. A broken
 * manifest marks the job failed with the error (offset included); the shards cut before it are
 * complete and stay published.
 */
export async function ingestJob(bus: Bus, options: DownloadOptions, control: IngestControl): Promise<IngestResult> {
  const jobId = jobIdOf(options);
  const retry = <T>(operation: () => Promise<T>) => untilNatsAnswers(operation, control.signal);
  const overwrite = options.incremental_mode === "overwrite";
  // Once emptied, the folder is this job's: an ingest resuming the job after a crash continues it
  // (incremental) instead of emptying it again.
  let recorded = options;
  const record = (state: JobRecord["state"], shardsTotal: number | null, error: string | null) =>
    retry(() => bus.jobs.put(jobId, { jobId, options: encodeOptions(recorded), state, shardsTotal, error }));
  await record("ingesting", null, null);
  control.onRecorded?.();
  const folder = outputFolder(options.output_folder);
  const layout = keyLayout(options.number_sample_per_shard, options.oom_shard_count);
  let shardsTotal = 0;
  let shardsPublished = 0;
  try {
    if (overwrite) {
      await startAfresh(folder, options, jobId);
      recorded = { ...options, incremental_mode: "incremental" };
      await record("ingesting", null, null);
    } else {
      await claimJobFolder(folder, options);
    }
    const manifest = await openManifest(options.url_list, { inputFormat: options.input_format, allowPrivateNetwork: options.allow_private_network });
    for await (const group of shardGroups(manifest.rows, options.number_sample_per_shard)) {
      const rows: SampleInput[] = [];
      for await (const row of group.rows) rows.push(sampleInputOf(options, row));
      shardsTotal++;
      const key = shardKey(jobId, group.shardId);
      const shard = (await retry(() => bus.shards.get(key))) as ShardRecord | null;
      // A unit still queued is the shard's, unless the folder was emptied: then a new unit replaces it.
      const queued = shard?.status === "queued" && !overwrite;
      const generation = shard === null ? 0 : shard.generation + (queued ? 0 : 1);
      const stats = await verifiedShardStats(folder, shardName(layout, group.shardId), options.output_format, rows.length);
      if (stats) {
        if (shard?.status !== "done") await retry(() => bus.shards.put(key, { status: "done", generation, ...stats }));
        continue;
      }
      if (queued) continue;
      while ((await retry(() => bus.workQueue.outstanding())) >= control.maxOutstanding) {
        await sleep(250, undefined, { signal: control.signal });
      }
      control.signal?.throwIfAborted();
      await retry(() => bus.inputs.put(jobId, group.shardId, rows));
      // Publishing again after a lost reply is safe: the unit's message id deduplicates it.
      await retry(() => bus.workQueue.publish({ jobId, shardId: group.shardId, rowCount: rows.length }, generation));
      await retry(() => bus.shards.put(key, { status: "queued", generation } satisfies ShardRecord));
      shardsPublished++;
      control.onShardPublished?.(group.shardId);
    }
  } catch (error) {
    // Stopped (shutdown): the record stays "ingesting" so the next ingest resumes the job.
    if (!control.signal?.aborted) {
      await record("failed", null, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    throw error;
  }
  await record("ingested", shardsTotal, null);
  return { jobId, shardsTotal, shardsPublished };
}

/**
 * Empties the folder and records the job in it, holding the folder's lock as the embedded mode
 * does: refused (the job fails, naming the holder) while an assembler or an embedded run writes it.
 */
async function startAfresh(folder: OutputFolder, options: DownloadOptions, jobId: string): Promise<void> {
  await withOutputFolderLock(folder, `a fleet ingest (job ${jobId}, incremental_mode overwrite)`, async () => {
    await clearOutputFolder(folder);
    await claimJobFolder(folder, options);
  });
}

const MAX_RETRY_DELAY_MS = 2_000;

/**
 * Retries an operation while NATS does not answer (BusError: restarting server, lost
 * connection); the client reconnects by itself, so the job waits instead of failing.
 */
async function untilNatsAnswers<T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let delay = 100; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      await sleep(delay, undefined, { signal });
    }
  }
}
