import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { openShardWriter, shardName, ShardJournal, type KeyLayout, type OutputFormat, type ShardColumns, type WrittenShard } from "@laion-dl/shard";
import type { Limiter } from "./limiter.ts";
import { processSample, type SampleInput, type SampleOptions, type SampleOutcome, type SampleStages } from "./sample-processor.ts";

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
  /** Told of each sample once it is journaled (progress displays). */
  readonly onSample?: (sample: SampleOutcome) => void;
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
 * is journaled as it completes (rows already in the journal are not processed again), and goes
 * on into the shard's files as soon as every row before it has, so that once the last row is in
 * only finishing the files is left. A failure removes the unfinished files and leaves the journal
 * for a later resume.
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
  inputConsumed.catch(() => {}); // `done` rejects too: callers that only await `done` see the error there
  let openJournal: ShardJournal | undefined;
  const done = (async () => {
    const startTime = Date.now() / 1000;
    await mkdir(context.journalDir, { recursive: true });
    const name = shardName(context.layout, shardId);
    const journalPath = join(context.journalDir, `${name}.journal`);
    const journal = await ShardJournal.open(journalPath, context.layout.samplesPerShard);
    openJournal = journal;
    const spec = {
      id: shardId,
      layout: context.layout,
      columns: context.columns,
      imageExtension: context.imageExtension,
      ...(context.outputFormat ? { outputFormat: context.outputFormat } : {}),
    };
    const writer = await openShardWriter(context.outputDir, spec, context.recordDir ? { recordDir: context.recordDir } : {}).catch(async (error: unknown) => {
      await journal.close();
      throw error;
    });
    const inFlight = new Set<Promise<void>>();
    let downloadedBytes = 0;
    let retries = 0;
    let failure: unknown = null;
    // Rows are read back from the journal rather than kept: a slow row holding the others back
    // costs disk, not memory. Passes are chained so that one runs at a time, in key order.
    let nextRow = 0;
    let writing = Promise.resolve();
    const advance = () => {
      writing = writing.then(async () => {
        while (!failure && journal.has(nextRow)) await writer.append(await journal.read(nextRow++));
      });
      writing.catch((error: unknown) => {
        failure ??= error;
      });
    };
    const run = async (input: SampleInput) => {
      try {
        const sample = await processSample(input, context.stages, context.hashAlgorithm, context.sample);
        await journal.append(sample);
        downloadedBytes += sample.downloadedBytes;
        retries += sample.retries;
        context.onSample?.(sample);
        advance();
      } catch (error) {
        failure ??= error;
      } finally {
        context.window.release();
      }
    };
    advance(); // rows journaled by an earlier run
    let rowCount = 0;
    let written: WrittenShard;
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
      await Promise.all(inFlight);
      if (failure) throw failure;
      signal?.throwIfAborted();
      advance();
      await writing;
      if (journal.count !== rowCount) throw new Error(`Expected ${rowCount} rows for shard ${name} but its journal holds ${journal.count}`);
      written = await writer.finish(rowCount, { startTime });
    } catch (error) {
      failure ??= error; // stops a pass under way
      consumeFailed(error); // no effect once the input was consumed
      await Promise.all(inFlight);
      await writing.catch(() => {}); // its error, if any, is already `failure`
      await writer.abort();
      throw error;
    } finally {
      await journal.close();
    }
    await rm(journalPath, { force: true });
    return { ...written, downloadedBytes, retries };
  })();
  done.catch(consumeFailed); // a failure before the loop (journal I/O) also ends the input wait
  return { inputConsumed, done, rowsDone: () => openJournal?.count ?? 0 };
}
