import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client";
import { ERROR_CLASSES, errorClassOf, type ErrorClass } from "./error-class.ts";

export type SampleStatus = "success" | "failed_to_download" | "failed_to_resize";
const SAMPLE_STATUSES: readonly SampleStatus[] = ["success", "failed_to_download", "failed_to_resize"];

/** Times one kind of work (a download, an image transform) and counts how much is in flight. */
export interface StageMeter {
  /**
   * Runs `work`, counting it in flight meanwhile, then its duration and outcome (a rejection is a
   * failure, rethrown); `bytesOf` tells the stage's byte counter what a success produced.
   */
  time<T>(work: () => Promise<T>, bytesOf?: (result: T) => number): Promise<T>;
}

/** `work` timed by `meter` when there is one (metrics are optional wherever stages run). */
export function timed<T>(meter: StageMeter | undefined, work: () => Promise<T>, bytesOf?: (result: T) => number): Promise<T> {
  return meter ? meter.time(work, bytesOf) : work();
}

/** The two stages' meters: downloads and image transforms. */
export interface StageMeters {
  readonly fetches: StageMeter;
  readonly transforms: StageMeter;
}

/** A thread's stage metrics so far (cumulative), as prom-client's JSON: plain data a worker thread can post. */
export type StageSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Stage meters of a thread that serves no /metrics (a shard worker); the thread that does reads them as snapshots. */
export interface ThreadStageMeters extends StageMeters {
  snapshot(): Promise<StageSnapshot>;
}

/** What a scrape reads from the process that owns it (work queue, host back-offs). */
export type GaugeName = "shards_outstanding" | "host_backoffs";

/**
 * The Prometheus metrics of one laion-dl process. The per-sample calls only add to plain numbers
 * (and observe two histograms): prom-client reads the numbers when scraped, so the hot path builds
 * no label object and hashes no label set.
 */
export interface Metrics extends StageMeters {
  /** A sample's outcome, once journaled. */
  sampleDone(status: SampleStatus, errorMessage: string | null): void;
  /** A shard's files are in place; `bytes` is what was written (.tar + .parquet). */
  shardWritten(bytes: number): void;
  shardRedelivered(): void;
  /** A shard failed so often that it was taken off the queue. */
  shardParked(): void;
  /** A gRPC call this process served ended with `code` (grpc status code). */
  grpcCallEnded(method: string, code: number): void;
  natsReconnected(): void;
  /**
   * The latest snapshot of another thread's stage meters (`thread`: its id); a scrape adds the
   * latest of each thread, ended ones included, to this thread's own.
   */
  addThreadSnapshot(thread: number, snapshot: StageSnapshot): void;
  /** Reads a gauge when scraped; a gauge nobody reads is not exported. */
  observe(gauge: GaugeName, read: () => number | Promise<number>): void;
  /** The exposition text and its content type, for `/metrics`. */
  exposition(): Promise<{ contentType: string; text: string }>;
}

const FETCH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TRANSFORM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** grpc status codes 0 (OK) … 16 (UNAUTHENTICATED), by name as grpc-status shows them. */
const GRPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

type PromClient = typeof import("prom-client");

/** Metric kinds whose values are plain numbers kept here and read by prom-client on scrape. */
function plainMetrics({ Counter, Gauge }: PromClient, registry: Registry) {
  const registers = [registry];
  /** A counter with one plain number per label value. */
  const tally = <Value extends string>(name: string, help: string, label: string, values: readonly Value[]) => {
    const counts = new Map<Value, number>(values.map((value) => [value, 0]));
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, count] of counts) this.inc({ [label]: value }, count);
      },
    });
    return counts;
  };
  const total = (name: string, help: string) => {
    const cell = { value: 0 };
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(cell.value);
      },
    });
    return cell;
  };
  const level = (name: string, help: string, read: () => number | Promise<number>) => {
    let last = 0;
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        // A dependency down (NATS) keeps the last value: the scrape itself still answers.
        last = await Promise.resolve()
          .then(read)
          .catch(() => last);
        this.set(last);
      },
    });
  };
  return { tally, total, level };
}

/** The fetch and transform meters, registered in `registry`. */
function stageMetersIn(prom: PromClient, registry: Registry): StageMeters {
  const { tally, total, level } = plainMetrics(prom, registry);
  interface StageNames {
    readonly finished: string;
    readonly duration: string;
    readonly inFlight: string;
    readonly bytes?: string;
  }
  const stageMeter = (names: StageNames, noun: string, buckets: number[]): StageMeter => {
    let inFlight = 0;
    const outcomes = tally(names.finished, `${noun}s finished, by outcome`, "outcome", ["ok", "failed"] as const);
    const duration = new prom.Histogram({ name: names.duration, help: `Seconds per ${noun.toLowerCase()}`, buckets, registers: [registry] });
    level(names.inFlight, `${noun}s in progress`, () => inFlight);
    const bytes = names.bytes ? total(names.bytes, `Bytes of the ${noun.toLowerCase()}s' bodies`) : { value: 0 };
    const finish = (startedAt: number, outcome: "ok" | "failed") => {
      inFlight--;
      outcomes.set(outcome, outcomes.get(outcome)! + 1);
      duration.observe((performance.now() - startedAt) / 1000);
    };
    return {
      time(work, bytesOf) {
        inFlight++;
        const startedAt = performance.now();
        return work().then(
          (result) => {
            finish(startedAt, "ok");
            if (bytesOf) bytes.value += bytesOf(result);
            return result;
          },
          (error: unknown) => {
            finish(startedAt, "failed");
            throw error;
          },
        );
      },
    };
  };
  return {
    fetches: stageMeter(
      {
        finished: "laion_dl_fetches_total",
        duration: "laion_dl_fetch_duration_seconds",
        inFlight: "laion_dl_downloads_in_flight",
        bytes: "laion_dl_downloaded_bytes_total",
      },
      "Download",
      FETCH_BUCKETS,
    ),
    transforms: stageMeter(
      { finished: "laion_dl_transforms_total", duration: "laion_dl_transform_duration_seconds", inFlight: "laion_dl_transforms_in_flight" },
      "Image transform",
      TRANSFORM_BUCKETS,
    ),
  };
}

/**
 * Stage meters for a worker thread: the same families as a process's, in a registry of their own
 * that nothing serves; the thread posts `snapshot()` to the thread that serves /metrics.
 */
export async function createThreadStageMeters(): Promise<ThreadStageMeters> {
  const prom = await import("prom-client");
  const registry = new prom.Registry();
  const meters = stageMetersIn(prom, registry);
  return { ...meters, snapshot: () => registry.getMetricsAsJSON() };
}

/** Loads prom-client only here: a process that serves no metrics does not pay for loading it. */
export async function createMetrics(options: { defaultMetrics?: boolean } = {}): Promise<Metrics> {
  const prom = await import("prom-client");
  const { AggregatorRegistry, collectDefaultMetrics, Counter, Registry } = prom;
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const { tally, total, level } = plainMetrics(prom, registry);

  const samples = tally("laion_dl_samples_total", "Samples journaled, by status", "status", SAMPLE_STATUSES);
  const failures = tally("laion_dl_sample_failures_total", "Failed samples, by kind of error_message", "error_class", ERROR_CLASSES);
  // Apart, so that a scrape adds other threads' snapshots of the same families to them.
  const stageRegistry = new Registry();
  const { fetches, transforms } = stageMetersIn(prom, stageRegistry);
  const threadSnapshots = new Map<number, StageSnapshot>();

  const written = total("laion_dl_written_bytes_total", "Bytes of shard files written (.tar + .parquet)");
  const shardsDone = total("laion_dl_shards_done_total", "Shards written and recorded");
  const redelivered = total("laion_dl_shards_redelivered_total", "Shard work units taken on a redelivery (an assembler died or handed it back)");
  const parked = total("laion_dl_shards_parked_total", "Shard work units parked after failing delivery after delivery");
  const reconnects = total("laion_dl_nats_reconnects_total", "Reconnections to NATS");

  const grpcCalls = new Map<string, number>();
  new Counter({
    name: "laion_dl_grpc_server_handled_total",
    help: "gRPC calls served, by method and status code",
    labelNames: ["method", "code"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of grpcCalls) {
        const [method, code] = key.split(" ") as [string, string];
        this.inc({ method, code }, count);
      }
    },
  });

  const gaugeHelp: Record<GaugeName, [string, string]> = {
    shards_outstanding: ["laion_dl_shards_outstanding", "Shard work units queued or in progress on the work queue"],
    host_backoffs: ["laion_dl_host_backoffs", "Hosts this fetcher is holding back after a 429/503 (a count, not per host)"],
  };

  return {
    fetches,
    transforms,
    sampleDone(status, errorMessage) {
      samples.set(status, (samples.get(status) ?? 0) + 1);
      if (status === "success") return;
      const errorClass: ErrorClass = errorMessage === null ? "other" : errorClassOf(errorMessage);
      failures.set(errorClass, failures.get(errorClass)! + 1);
    },
    shardWritten(bytes) {
      shardsDone.value++;
      written.value += bytes;
    },
    shardRedelivered: () => void redelivered.value++,
    shardParked: () => void parked.value++,
    grpcCallEnded(method, code) {
      // Methods come from the server's own definitions and codes from a fixed list: few keys.
      const key = `${method} ${GRPC_CODES[code] ?? String(code)}`;
      grpcCalls.set(key, (grpcCalls.get(key) ?? 0) + 1);
    },
    natsReconnected: () => void reconnects.value++,
    addThreadSnapshot(thread, snapshot) {
      threadSnapshots.set(thread, snapshot);
    },
    observe(gauge, read) {
      const [name, help] = gaugeHelp[gauge];
      level(name, help, read);
    },
    async exposition() {
      // prom-client's cluster aggregation, fed by threads: histogram buckets, counters and in-flight gauges add up.
      const stages = AggregatorRegistry.aggregate<typeof registry.contentType>([await stageRegistry.getMetricsAsJSON(), ...threadSnapshots.values()]);
      return { contentType: registry.contentType, text: await Registry.merge([registry, stages]).metrics() };
    },
  };
}
