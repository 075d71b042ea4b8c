import { access, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DownloadOptions } from "@laion-dl/config";
import { openManifest, type ManifestRow, type ResumePoint } from "@laion-dl/manifest";
import type { Metrics } from "@laion-dl/telemetry";
import {
  clearOutputFolder,
  keyLayout,
  outputFolder,
  readNoFollow,
  removeShard,
  replaceFile,
  shardName,
  verifyShard,
  withOutputFolderLock,
} from "@laion-dl/shard";
import { claimJobFolder } from "./job-file.ts";
import { fromArray, mapRows, sampleInputOf } from "./job-adapters.ts";
import { createLimiter } from "./limiter.ts";
import type { SampleOutcome } from "./sample-processor.ts";
import type { AssembledShard } from "./shard-assembler.ts";
import { createShardRunner } from "./shard-runner.ts";
import { shardGroups } from "./shard-groups.ts";

export interface DownloadSummary {
  readonly shards: number;
  readonly skippedShards: number;
  readonly count: number;
  readonly successes: number;
  readonly failedToDownload: number;
  readonly failedToResize: number;
  readonly downloadedBytes: number;
  readonly retries: number;
  readonly durationSeconds: number;
}

export interface DownloadHooks {
  onShardWritten?(shard: AssembledShard): void;
  onShardSkipped?(name: string): void;
  /** A finished shard failed verification; its files are removed and it is written again. */
  onShardRedone?(name: string, reason: string): void;
  /** Each manifest row as it is read (its index and byte offset give the run's position); progress displays. */
  onRowRead?(row: ManifestRow): void;
  /** Each sample once it is journaled; progress displays. */
  onSample?(sample: SampleOutcome): void;
  /** Times the downloads and image transforms, in whichever thread runs them (`--metrics_port`). */
  readonly metrics?: Metrics;
}

/** The run was stopped by its signal; journals keep what was fetched. */
export class DownloadInterrupted extends Error {
  override readonly name = "DownloadInterrupted";
  constructor() {
    super("interrupted; run the same command again to resume");
  }
}

/**
 * The embedded mode: the whole pipeline in this process, stages called directly. Rerun on the same
 * folder, it keeps finished shards that verify against their checksum records and resumes open
 * ones from their journals. `signal` stops it: no new rows are taken, samples in flight are
 * journaled, then it rejects with DownloadInterrupted.
 */
export async function runDownload(options: DownloadOptions, hooks: DownloadHooks = {}, signal?: AbortSignal): Promise<DownloadSummary> {
  // One writer per folder: a second run stops here, told who holds it.
  return withOutputFolderLock(outputFolder(options.output_folder), "an embedded laion-dl run", () => downloadLocked(options, hooks, signal));
}

async function downloadLocked(options: DownloadOptions, hooks: DownloadHooks, signal: AbortSignal | undefined): Promise<DownloadSummary> {
  const started = performance.now();
  const folder = outputFolder(options.output_folder);
  const { root: outputDir, recordDir } = folder;
  if (options.incremental_mode === "overwrite") await clearOutputFolder(folder);
  await claimJobFolder(folder, options);
  await removeTempFiles(outputDir);
  await removeTempFiles(recordDir);
  await removeTempFiles(folder.workDir);

  const runner = createShardRunner(options, hooks.onSample, hooks.metrics);
  const layout = keyLayout(options.number_sample_per_shard, options.oom_shard_count);

  const totals = { shards: 0, skippedShards: 0, count: 0, successes: 0, failedToDownload: 0, failedToResize: 0, downloadedBytes: 0, retries: 0 };
  const openShards = createLimiter(runner.openShards);
  const pending: Promise<void>[] = [];
  let inputError: unknown = null;
  const index = await ManifestIndex.load(folder.manifestIndex);
  try {
    // The finished shards at the start of the manifest are verified by their recorded row counts,
    // and the manifest is read from just after the last of them: their rows are never parsed.
    let resumeAt: ResumePoint | undefined;
    for (let shardId = 0; ; shardId++) {
      signal?.throwIfAborted();
      const name = shardName(layout, shardId);
      const entry = index.get(name);
      if (entry === undefined || entry.nextIndex <= (resumeAt?.index ?? 0)) break;
      if (!(await exists(join(outputDir, `${name}_stats.json`)))) break;
      if ((await verifyShard(outputDir, recordDir, name, options.output_format, entry.count)) !== null) break;
      await rm(folder.journal(name), { force: true });
      totals.skippedShards++;
      hooks.onShardSkipped?.(name);
      resumeAt = { offset: entry.nextOffset, index: entry.nextIndex };
      if (entry.nextIndex !== (shardId + 1) * options.number_sample_per_shard) break; // the manifest's last shard
    }
    const manifest = await openManifest(options.url_list, {
      inputFormat: options.input_format,
      allowPrivateNetwork: options.allow_private_network,
      ...(resumeAt ? { resumeAt } : {}),
    });
    for await (const group of shardGroups(manifest.rows, options.number_sample_per_shard)) {
      signal?.throwIfAborted();
      const name = shardName(layout, group.shardId);
      let rows = group.rows;
      if (await exists(join(outputDir, `${name}_stats.json`))) {
        // Held so that a shard failing verification can be redone: at most one shard's rows.
        const held: ManifestRow[] = [];
        for await (const row of group.rows) held.push(row);
        const problem = await verifyShard(outputDir, recordDir, name, options.output_format, held.length);
        if (problem === null) {
          // Left when a run died between the shard's rename and the journal's removal.
          await rm(folder.journal(name), { force: true });
          totals.skippedShards++;
          hooks.onShardSkipped?.(name);
          await index.set(name, entryOf(held.length, held[held.length - 1]!));
          continue;
        }
        hooks.onShardRedone?.(name, problem);
        await removeShard(outputDir, recordDir, name);
        rows = fromArray(held);
      }
      await openShards.acquire();
      let count = 0;
      let last: ManifestRow | undefined;
      const inputs = mapRows(rows, (row) => {
        count++;
        last = row;
        hooks.onRowRead?.(row);
        return sampleInputOf(options, row);
      });
      const assembly = runner.assemble(group.shardId, inputs, signal);
      pending.push(
        assembly.done
          .then(async (shard) => {
            if (last !== undefined) await index.set(name, entryOf(count, last));
            return shard;
          })
          .then((shard) => {
            totals.shards++;
            totals.count += shard.stats.count;
            totals.successes += shard.stats.successes;
            totals.failedToDownload += shard.stats.failed_to_download;
            totals.failedToResize += shard.stats.failed_to_resize;
            totals.downloadedBytes += shard.downloadedBytes;
            totals.retries += shard.retries;
            hooks.onShardWritten?.(shard);
          })
          .finally(() => openShards.release()),
      );
      await assembly.inputConsumed;
    }
  } catch (error) {
    inputError = error;
  }
  // Shards whose input was complete still finish; the one the error cut short keeps its journal.
  const results = await Promise.allSettled(pending);
  await runner.close();
  if (signal?.aborted) throw new DownloadInterrupted();
  if (inputError) throw inputError;
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return { ...totals, durationSeconds: (performance.now() - started) / 1000 };
}

/** Where the manifest's reading can resume after a finished shard, and how many rows that shard holds. */
interface IndexEntry {
  readonly count: number;
  /** The `end` of the shard's last row, and the index of the row after it. */
  readonly nextOffset: number;
  readonly nextIndex: number;
}

function entryOf(count: number, last: ManifestRow): IndexEntry {
  return { count, nextOffset: last.end, nextIndex: last.index + 1 };
}

/**
 * The folder's manifest index: for each finished shard, where its rows end in the manifest, so a
 * rerun skips the manifest's finished prefix without parsing it. Written whole and renamed into
 * place after every change; a missing or unreadable file only costs a full read of the manifest.
 */
class ManifestIndex {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly entries: Record<string, IndexEntry>,
  ) {}

  static async load(path: string): Promise<ManifestIndex> {
    let entries: Record<string, IndexEntry> = {};
    try {
      const parsed = JSON.parse(await readNoFollow(path)) as { shards?: unknown };
      if (typeof parsed.shards === "object" && parsed.shards !== null) entries = parsed.shards as Record<string, IndexEntry>;
    } catch {
      // none yet, or torn: read the manifest from the start
    }
    return new ManifestIndex(path, entries);
  }

  get(name: string): IndexEntry | undefined {
    const entry = this.entries[name];
    const valid = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
    return entry && valid(entry.count) && valid(entry.nextOffset) && valid(entry.nextIndex) ? entry : undefined;
  }

  set(name: string, entry: IndexEntry): Promise<void> {
    const current = this.entries[name];
    if (current && current.count === entry.count && current.nextOffset === entry.nextOffset && current.nextIndex === entry.nextIndex) {
      return this.writing;
    }
    this.entries[name] = entry;
    const write = this.writing.then(() => replaceFile(this.path, JSON.stringify({ shards: this.entries }), { durable: false }));
    this.writing = write.catch(() => {}); // a failed write fails its shard's run, not the later writes
    return write;
  }
}

/** Temporary files of a run that was killed while writing (named `.NAME.RANDOM.tmp` or `NAME.RANDOM.tmp`). */
async function removeTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => []);
  await Promise.all(names.filter((name) => /\.[0-9a-f]{8}\.tmp$/.test(name)).map((name) => rm(join(dir, name), { recursive: true, force: true })));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
