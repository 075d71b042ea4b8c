// A worker thread that assembles the shards its job thread hands it (see shard-runner.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { DownloadOptions } from "@laion-dl/config";
import { createThreadStageMeters } from "@laion-dl/telemetry";
import { embeddedContext } from "./embedded-stages.ts";
import type { SampleInput } from "./sample-processor.ts";
import { assembleShard, type AssemblyContext } from "./shard-assembler.ts";
import { errorData, errorOf, type RowsReply, type WorkerReply, type WorkerRequest } from "./shard-worker-protocol.ts";

/** How often the stage metrics go to the job thread, which serves /metrics. */
const METRICS_INTERVAL_MS = 1_000;

const port = parentPort!;
const { options, reportSamples, reportMetrics } = workerData as { options: DownloadOptions; reportSamples: boolean; reportMetrics: boolean };
const meters = reportMetrics ? await createThreadStageMeters() : undefined;
const { context } = embeddedContext(options, meters);
const post = (message: WorkerReply) => port.postMessage(message);

/**
 * This thread's stage metrics so far, to the job thread: every second, and before a shard's end so
 * that the job's totals hold its samples. A failed snapshot costs a scrape's freshness, not a shard.
 */
const postMetrics = (): Promise<void> =>
  meters
    ? meters.snapshot().then(
        (snapshot) => post({ type: "metrics", snapshot }),
        () => {},
      )
    : Promise.resolve();
if (meters) setInterval(() => void postMetrics(), METRICS_INTERVAL_MS).unref();

/** A shard's rows as they arrive from the job thread, asked for a batch at a time. */
class RowFeed implements AsyncIterable<SampleInput> {
  private batch: readonly SampleInput[] = [];
  private next = 0;
  private ended = false;
  private error: Error | null = null;
  private arrived: (() => void) | null = null;

  constructor(
    private readonly shardId: number,
    private readonly rowBatch: number,
  ) {}

  receive(reply: RowsReply): void {
    this.batch = reply.inputs;
    this.next = 0;
    this.ended = reply.end;
    if (reply.error) this.error = errorOf(reply.error);
    this.arrived?.();
    this.arrived = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<SampleInput> {
    for (;;) {
      if (this.next < this.batch.length) {
        yield this.batch[this.next++]!;
        continue;
      }
      if (this.error) throw this.error;
      if (this.ended) return;
      const arrived = new Promise<void>((resolve) => (this.arrived = resolve));
      post({ type: "pull", shardId: this.shardId, max: this.rowBatch });
      await arrived;
    }
  }
}

const feeds = new Map<number, RowFeed>();
const aborts = new Map<number, AbortController>();

port.on("message", (message: WorkerRequest) => {
  if (message.type === "rows") feeds.get(message.shardId)?.receive(message);
  else if (message.type === "abort") aborts.get(message.shardId)?.abort(errorOf(message.reason));
  else assemble(message.shardId, message.rowBatch);
});

function assemble(shardId: number, rowBatch: number): void {
  const feed = new RowFeed(shardId, rowBatch);
  const abort = new AbortController();
  feeds.set(shardId, feed);
  aborts.set(shardId, abort);
  const shardContext: AssemblyContext = reportSamples
    ? { ...context, onSample: ({ record, downloadedBytes, retries }) => post({ type: "sample", shardId, outcome: { record, downloadedBytes, retries } }) }
    : context;
  const assembly = assembleShard(shardContext, shardId, feed, abort.signal);
  assembly.inputConsumed.then(
    (count) => post({ type: "consumed", shardId, count }),
    () => {}, // reported by `done`
  );
  assembly.done
    .then(
      (shard) => postMetrics().then(() => post({ type: "done", shardId, shard })),
      (error: unknown) => postMetrics().then(() => post({ type: "failed", shardId, error: errorData(error) })),
    )
    .finally(() => {
      feeds.delete(shardId);
      aborts.delete(shardId);
    });
}
