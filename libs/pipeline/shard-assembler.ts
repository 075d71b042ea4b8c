import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { shardName, ShardJournal, writeShardFiles, type KeyLayout, type OutputFormat, type ShardColumns, type WrittenShard } from "@laion-dl/shard";
import type { Limiter } from "./limiter.ts";
import { processSample, type SampleInput, type SampleOptions, type SampleStages } from "./sample-processor.ts";

export interface AssemblyContext {
  readonly outputDir: string;
  /** Where open shards spill their samples; journals are removed once a shard is written. */
  readonly journalDir: string;
  /** Where each written shard's checksum record goes (see verifyShard); absent: none is kept. */
  readonly recordDir?: string;
  readonly layout: KeyLayout;
  readonly columns: ShardColumns;
  readonly imageExtension: string;
  readonly hashAlgorithm: string | null;
  /** Default webdataset. */
  readonly outputFormat?: OutputFormat;
  /** extract_exif, disable_all_reencoding; absent: neither. */
  readonly sample?: SampleOptions;
  readonly stages: SampleStages;
  /** Samples in flight, shared by every open shard. */
  readonly window: Limiter;
}

export interface AssembledShard extends WrittenShard {
  readonly downloadedBytes: number;
  readonly retries: number;
}

export interface ShardAssembly {
  /** Resolves with the row count once every input row has been taken (the shard's size is known). */
  readonly inputConsumed: Promise<number>;
  /** Resolves once the shard's files are in place. */
  readonly done: Promise<AssembledShard>;
  /** Rows with an outcome so far (journaled), for status reports. */
  rowsDone(): number;
}

/**
 * Drives one shard: every row goes through the stages within the shared window, each outcome
 * is journaled as it completes (rows already in the journal are not processed again), and the
 * shard is written in key order once all rows are in. A failure to read the input leaves the
 * journal for a later resume and writes nothing.
 */
export function assembleShard(
  context: AssemblyContext,
  shardId: number,
  rows: AsyncIterable<SampleInput>,
  /** Stops taking rows; what is in flight is journaled, then `done` rejects with the reason. */
  signal?: AbortSignal,
): ShardAssembly {
  let consumed!: (count: number) => void;
  let consumeFailed!: (error: unknown) => void;
  const inputConsumed = new Promise<number>((resolve, reject) => {
    consumed = resolve;
    consumeFailed = reject;
  });
  let openJournal: ShardJournal | undefined;
  const done = (async () => {
    const startTime = Date.now() / 1000;
    await mkdir(context.journalDir, { recursive: true });
    const journalPath = join(context.journalDir, `${shardName(context.layout, shardId)}.journal`);
    const journal = await ShardJournal.open(journalPath, context.layout.samplesPerShard);
    openJournal = journal;
    const inFlight = new Set<Promise<void>>();
    let downloadedBytes = 0;
    let retries = 0;
    let failure: unknown = null;
    const run = async (input: SampleInput) => {
      try {
        const sample = await processSample(input, context.stages, context.hashAlgorithm, context.sample);
        await journal.append(sample);
        downloadedBytes += sample.downloadedBytes;
        retries += sample.retries;
      } catch (error) {
        failure ??= error;
      } finally {
        context.window.release();
      }
    };
    let rowCount = 0;
    try {
      for await (const input of rows) {
        signal?.throwIfAborted();
        rowCount++;
        if (failure) break;
        if (journal.has(input.row)) continue;
        await context.window.acquire();
        const task = run(input);
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
      }
      if (failure) throw failure;
      consumed(rowCount);
    } catch (error) {
      consumeFailed(error);
      await Promise.all(inFlight);
      await journal.close();
      throw error;
    }
    await Promise.all(inFlight);
    try {
      if (failure) throw failure;
      signal?.throwIfAborted();
      const written = await writeShardFiles(
        context.outputDir,
        {
          id: shardId,
          rowCount,
          layout: context.layout,
          columns: context.columns,
          imageExtension: context.imageExtension,
          ...(context.outputFormat ? { outputFormat: context.outputFormat } : {}),
        },
        journal,
        { startTime, ...(context.recordDir ? { recordDir: context.recordDir } : {}) },
      );
      await journal.close();
      await rm(journalPath, { force: true });
      return { ...written, downloadedBytes, retries };
    } catch (error) {
      await journal.close();
      throw error;
    }
  })();
  done.catch(consumeFailed); // a failure before the loop (journal I/O) also ends the input wait
  return { inputConsumed, done, rowsDone: () => openJournal?.count ?? 0 };
}
