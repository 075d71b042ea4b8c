import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type { DownloadOptions } from "@laion-dl/config";
import type { Metrics } from "@laion-dl/telemetry";
import type { SampleInput, SampleOutcome } from "./sample-processor.ts";
import { assembleShard, type AssembledShard, type ShardAssembly } from "./shard-assembler.ts";
import { embeddedContext } from "./embedded-stages.ts";
import { errorData, errorOf, type RowsReply, type RowsRequest, type WorkerReply, type WorkerRequest } from "./shard-worker-protocol.ts";

/** Rows sent to a worker at a time: a few messages per shard, never a whole shard held twice. */
const ROW_BATCH = 256;

/** Assembles shards of one job, in this thread or spread over worker threads. */
export interface ShardRunner {
  assemble(shardId: number, rows: AsyncIterable<SampleInput>, signal?: AbortSignal): Pick<ShardAssembly, "inputConsumed" | "done">;
  /** Shards open at once that keep every worker busy while one of its shards finishes. */
  readonly openShards: number;
  close(): Promise<void>;
}

/**
 * A worker thread running shard-worker.ts: its bundle, written beside the CLI's (bin.mjs sets the
 * variable), or else this package's TypeScript through tsx (tests), which a worker does not
 * inherit from its parent's loader, so it registers tsx itself first.
 */
function startWorkerThread(workerData: unknown): Worker {
  const bundle = process.env.LAION_DL_SHARD_WORKER_BUNDLE;
  if (bundle) return new Worker(pathToFileURL(bundle), { workerData });
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./shard-worker.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${entry}); });`, { eval: true, workerData });
}

/**
 * `shard_workers` 1 runs every shard in this thread. More start that many worker threads, each
 * owning whole shards with its share of the download, image and byte budgets, so the per-image JS
 * work (HTTP, hashing, journal, tar and parquet) no longer runs on one thread. Bytes do not depend
 * on which worker wrote a shard: a shard's bytes depend only on its rows and the job's options.
 * `metrics` gets the stages' timings, whichever thread runs them.
 */
export function createShardRunner(options: DownloadOptions, onSample?: (sample: SampleOutcome) => void, metrics?: Metrics): ShardRunner {
  if (options.shard_workers <= 1) {
    const embedded = embeddedContext(options, metrics);
    const context = onSample ? { ...embedded.context, onSample } : embedded.context;
    return { assemble: (shardId, rows, signal) => assembleShard(context, shardId, rows, signal), openShards: 4, close: embedded.close };
  }
  const share = (total: number) => Math.max(1, Math.ceil(total / options.shard_workers));
  const workerOptions: DownloadOptions = {
    ...options,
    shard_workers: 1,
    thread_count: share(options.thread_count),
    processes_count: share(options.processes_count),
    max_inflight_bytes: Math.max(1 << 20, Math.floor(options.max_inflight_bytes / options.shard_workers)),
  };
  const workers = Array.from({ length: options.shard_workers }, () => startWorker(workerOptions, onSample, metrics));
  return {
    assemble(shardId, rows, signal) {
      const worker = workers.reduce((least, next) => (next.openShards < least.openShards ? next : least));
      return worker.assemble(shardId, rows, signal);
    },
    openShards: 2 * options.shard_workers + 2,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

interface ShardWorker {
  readonly openShards: number;
  assemble(shardId: number, rows: AsyncIterable<SampleInput>, signal?: AbortSignal): Pick<ShardAssembly, "inputConsumed" | "done">;
  close(): Promise<void>;
}

interface OpenShard {
  readonly rows: AsyncIterator<SampleInput>;
  consumed(count: number): void;
  done(shard: AssembledShard): void;
  failed(error: Error): void;
}

function startWorker(options: DownloadOptions, onSample?: (sample: SampleOutcome) => void, metrics?: Metrics): ShardWorker {
  const worker = startWorkerThread({ options, reportSamples: onSample !== undefined, reportMetrics: metrics !== undefined });
  const shards = new Map<number, OpenShard>();
  let crashed: Error | null = null;
  const post = (message: WorkerRequest) => worker.postMessage(message);

  const sendRows = async (shardId: number, request: RowsRequest) => {
    const shard = shards.get(shardId);
    if (!shard) return;
    const inputs: SampleInput[] = [];
    let end = false;
    try {
      while (inputs.length < request.max) {
        const next = await shard.rows.next();
        if (next.done) {
          end = true;
          break;
        }
        inputs.push(next.value);
      }
    } catch (error) {
      // The manifest broke mid-shard: the worker stops the shard, keeping its journal.
      const reply: RowsReply = { type: "rows", shardId, inputs, end: true, error: errorData(error) };
      post(reply);
      return;
    }
    post({ type: "rows", shardId, inputs, end });
  };

  worker.on("message", (message: WorkerReply) => {
    if (message.type === "metrics") {
      metrics?.addThreadSnapshot(worker.threadId, message.snapshot);
      return;
    }
    const shard = shards.get(message.shardId);
    if (message.type === "sample") {
      onSample?.(message.outcome);
      return;
    }
    if (!shard) return;
    if (message.type === "pull") void sendRows(message.shardId, message);
    else if (message.type === "consumed") shard.consumed(message.count);
    else if (message.type === "done") {
      shards.delete(message.shardId);
      shard.done(message.shard);
    } else {
      shards.delete(message.shardId);
      shard.failed(errorOf(message.error));
    }
  });
  const failAll = (error: Error) => {
    crashed = error;
    for (const shard of shards.values()) shard.failed(error);
    shards.clear();
  };
  worker.on("error", failAll);
  worker.on("exit", (code) => {
    if (shards.size > 0) failAll(new Error(`shard worker exited with code ${code} while shards were open`));
  });

  return {
    get openShards() {
      return shards.size;
    },
    assemble(shardId, rows, signal) {
      let consumed!: (count: number) => void;
      let done!: (shard: AssembledShard) => void;
      let failed!: (error: Error) => void;
      const inputConsumed = new Promise<number>((resolve, reject) => {
        consumed = resolve;
        failed = reject;
      });
      const finished = new Promise<AssembledShard>((resolve, reject) => {
        done = resolve;
        const failInput = failed;
        failed = (error) => {
          failInput(error);
          reject(error);
        };
      });
      inputConsumed.catch(() => {}); // `done` rejects too
      if (crashed) {
        failed(crashed);
        return { inputConsumed, done: finished };
      }
      const onAbort = () => post({ type: "abort", shardId, reason: errorData(signal!.reason) });
      signal?.addEventListener("abort", onAbort, { once: true });
      void finished.catch(() => {}).finally(() => signal?.removeEventListener("abort", onAbort));
      shards.set(shardId, { rows: rows[Symbol.asyncIterator](), consumed, done, failed });
      post({ type: "assemble", shardId, rowBatch: ROW_BATCH });
      return { inputConsumed, done: finished };
    },
    async close() {
      await worker.terminate();
    },
  };
}
