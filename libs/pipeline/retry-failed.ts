import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { openManifest, type ManifestRow } from "@laion-dl/manifest";
import {
  outputFolder as outputFolderOf,
  readTarSamples,
  recordFromMetadata,
  shardName,
  ShardJournal,
  verifyShard,
  withOutputFolderLock,
  type ShardStats,
} from "@laion-dl/shard";
import { claimJobFolder, recordedJobOptions } from "./job-file.ts";
import { fromArray, mapRows, sampleInputOf } from "./job-adapters.ts";
import { embeddedContext } from "./embedded-stages.ts";
import { DownloadInterrupted } from "./run-download.ts";
import { assembleShard, type AssembledShard } from "./shard-assembler.ts";
import { shardGroups } from "./shard-groups.ts";

export interface RetryHooks {
  onShardRetried?(shard: AssembledShard, failedBefore: number): void;
  /** A finished shard that cannot be retried as it is (fails verification): `download` redoes it. */
  onShardRefused?(name: string, reason: string): void;
}

export interface RetrySummary {
  readonly shards: number;
  readonly retried: number;
  readonly recovered: number;
}

/**
 * `retry-failed`: gives the failed samples (failed_to_download and failed_to_resize) of every
 * finished shard another attempt, under the options recorded for the folder. Successes are
 * copied from the shard's tar, never fetched again; failures go through the same sample path as
 * a download, so a shard whose URLs now all answer is byte-identical to a clean run's. Each
 * shard is rebuilt in a journal (an interrupted retry resumes from it) and rewritten in place
 * with the same temporary-name, fsync and rename steps as a download. The rows come from the
 * manifest, which must be the recorded one: the parquet would lose verify_hash columns and the
 * JSON types of additional columns. Only the webdataset format keeps the images to copy.
 */
export async function retryFailed(outputFolder: string, hooks: RetryHooks = {}, signal?: AbortSignal): Promise<RetrySummary> {
  return withOutputFolderLock(outputFolderOf(outputFolder), "laion-dl retry-failed", () => retryLocked(outputFolder, hooks, signal));
}

async function retryLocked(outputFolder: string, hooks: RetryHooks, signal: AbortSignal | undefined): Promise<RetrySummary> {
  const folder = outputFolderOf(outputFolder);
  const options = await recordedJobOptions(folder);
  if (options.output_format !== "webdataset") {
    throw new Error(`retry-failed needs the webdataset format to copy successes from; ${outputFolder} holds ${options.output_format}`);
  }
  await claimJobFolder(folder, { ...options, incremental_mode: "incremental" }); // refuses a changed manifest
  const { context, close } = embeddedContext(options);
  const { layout } = context;
  const { recordDir } = folder;
  const totals = { shards: 0, retried: 0, recovered: 0 };
  try {
    const manifest = await openManifest(options.url_list, { inputFormat: options.input_format, allowPrivateNetwork: options.allow_private_network });
    for await (const group of shardGroups(manifest.rows, options.number_sample_per_shard)) {
      signal?.throwIfAborted();
      const name = shardName(layout, group.shardId);
      const rows: ManifestRow[] = [];
      for await (const row of group.rows) rows.push(row);
      const stats = await readFile(join(outputFolder, `${name}_stats.json`), "utf8").then(
        (text) => JSON.parse(text) as ShardStats,
        () => null,
      );
      const failedBefore = stats ? stats.failed_to_download + stats.failed_to_resize : 0;
      if (failedBefore === 0) continue; // unfinished (download's business) or nothing to retry
      const problem = await verifyShard(outputFolder, recordDir, name, options.output_format, rows.length);
      if (problem !== null) {
        hooks.onShardRefused?.(name, problem);
        continue;
      }
      await mkdir(context.journalDir, { recursive: true });
      const journal = await ShardJournal.open(folder.journal(name), layout.samplesPerShard);
      try {
        for await (const sample of readTarSamples(join(outputFolder, `${name}.tar`))) {
          const row = layout.sampleDigits === 0 ? 0 : Number(sample.key.slice(-layout.sampleDigits));
          const json = sample.members.get("json");
          const image = sample.members.get(context.imageExtension);
          if (!json || !image) throw new Error(`${name}.tar lacks the .json or .${context.imageExtension} of ${sample.key}`);
          if (journal.has(row)) continue; // an interrupted retry already copied it
          const meta = JSON.parse(json.toString("utf8")) as Record<string, unknown>;
          await journal.append({ record: recordFromMetadata(meta, row, context.columns), image });
        }
      } finally {
        await journal.close();
      }
      const assembly = assembleShard(
        context,
        group.shardId,
        mapRows(fromArray(rows), (row) => sampleInputOf(options, row)),
        signal,
      );
      const shard = await assembly.done;
      totals.shards++;
      totals.retried += failedBefore;
      totals.recovered += failedBefore - shard.stats.failed_to_download - shard.stats.failed_to_resize;
      hooks.onShardRetried?.(shard, failedBefore);
    }
  } catch (error) {
    if (signal?.aborted) throw new DownloadInterrupted();
    throw error;
  } finally {
    await close();
  }
  return totals;
}
