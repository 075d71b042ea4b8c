import type { Bus, SaturationAdvert, WorkLease } from "@laion-dl/bus";
import type { DownloadOptions } from "@laion-dl/config";
import {
  adjustWindow,
  assembleShard,
  createLimiter,
  assemblyOptionsOf,
  fromArray,
  type SampleInput,
  type SampleOutcome,
  type Limiter,
  type SampleStages,
  type ShardAssembly,
} from "@laion-dl/pipeline";
import { keyLayout, lockShard, OutputFolderLockedError, outputFolder, shardName, type FolderLock } from "@laion-dl/shard";
import { confinePath } from "./data-root.ts";
import type { Metrics } from "@laion-dl/telemetry";
import { decodeOptions, shardKey, type JobRecord, type ShardRecord } from "./job-record.ts";
import { verifiedShardStats } from "./verified-shard.ts";

export interface AssemblerWorkerOptions {
  readonly bus: Bus;
  /** LAION_DL_DATA_ROOT: shards of a job whose output folder is elsewhere are refused (undefined: all). */
  readonly dataRoot: string | undefined;
  /** Durable consumer shared by every assembler of the fleet. */
  readonly durable: string;
  /** Redelivery delay of a unit whose assembler went silent; heartbeats keep a live one. */
  readonly ackWaitMs: number;
  /** Shards worked on at once. */
  readonly maxShards: number;
  /** Samples in flight across this assembler's shards before backpressure. */
  readonly window: number;
  /**
   * A shard that fails on this many deliveries is parked (see ShardRecord); one delivered twice
   * as often without ever failing here (its assemblers died on it) is parked when taken.
   */
  readonly maxDeliveries: number;
  /** The fetch/transform stages for a job's options (remote clients in a fleet). */
  stagesFor(options: DownloadOptions): SampleStages;
  log(event: string, fields?: Record<string, unknown>): void;
  /** Counts samples, shards written and shards taken on a redelivery; absent: nothing is counted. */
  readonly metrics?: Metrics;
}

export interface ShardProgress {
  readonly jobId: string;
  readonly shardId: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

export interface AssemblerWorker {
  status(): { state: string; shards: ShardProgress[]; windowSize: number; inFlight: number; shardsFinished: number };
  /** Stops taking units; shards in progress finish within graceMs or are handed back (nak). */
  drain(graceMs: number): Promise<{ finished: number[]; handedBack: number[] }>;
  /** Feeds fleet saturation adverts: a saturated stage shrinks the window, a relaxed one grows it back. */
  observeSaturation(advert: SaturationAdvert): void;
}

interface ActiveShard {
  readonly lease: WorkLease;
  rowsDone(): number;
  readonly abort: AbortController;
  readonly settled: Promise<"finished" | "handed-back" | "parked">;
}

const SATURATED = 0.9;
const RELAXED = 0.6;
const ADVERT_TTL_MS = 5_000;

/**
 * The assembler's loop: take a shard unit from the queue, read its stored rows, drive them
 * through the stages into the journal, write the shard, record it done, then ack. A unit is
 * acked only after its files are in place and recorded, so a crash anywhere before that leads
 * to redelivery, and the journal spares the next assembler the samples already fetched.
 */
export async function startAssemblerWorker(options: AssemblerWorkerOptions): Promise<AssemblerWorker> {
  const { bus, metrics } = options;
  const consumer = await bus.workQueue.consume({ durable: options.durable, ackWaitMs: options.ackWaitMs });
  const window = createLimiter(options.window);
  const shardSlots = createLimiter(options.maxShards);
  const active = new Map<string, ActiveShard>();
  const adverts = new Map<string, SaturationAdvert>();
  // A job's thread_count caps its samples in flight on this assembler, within the shared window.
  const jobWindows = new Map<string, Limiter>();
  const windowFor = (jobId: string, threadCount: number): Limiter => {
    let jobWindow = jobWindows.get(jobId);
    if (!jobWindow) jobWindows.set(jobId, (jobWindow = nestedLimiter(createLimiter(threadCount), window)));
    return jobWindow;
  };
  const stopTaking = new AbortController();
  let shardsFinished = 0;
  let state = "running";

  const take = (lease: WorkLease): void => {
    const { jobId, shardId } = lease.unit;
    const key = shardKey(jobId, shardId);
    const held = active.get(key);
    if (held) {
      // Redelivered to us while we still work on it (our heartbeats came late, e.g. on a starved
      // CPU). JetStream tracks the unit by its stream message, so the lease we hold still renews and
      // acks it; taking it again would only find our own shard lock.
      shardSlots.release();
      if (held.lease.streamSequence !== lease.streamSequence) lease.nak(options.ackWaitMs); // queued again meanwhile: after this one
      options.log("shard_redelivered_while_held", { jobId, shardId, delivery: lease.deliveryCount });
      return;
    }
    if (lease.deliveryCount > 1) metrics?.shardRedelivered();
    const abort = new AbortController();
    const heartbeat = setInterval(() => lease.working(), Math.max(100, options.ackWaitMs / 3));
    let assembly: ShardAssembly | undefined;
    let shardLock: FolderLock | undefined;
    let park: ((error: string) => Promise<void>) | undefined;
    // The higher of JetStream's delivery count and the takes counted in the shard's record.
    let deliveries = lease.deliveryCount;
    const settled = (async (): Promise<"finished" | "handed-back" | "parked"> => {
      try {
        const job = (await bus.jobs.get(jobId)) as JobRecord | null;
        if (!job) throw new Error(`job ${jobId} is not recorded`);
        const recorded = decodeOptions(job.options);
        const jobOptions = { ...recorded, output_folder: await confinePath(options.dataRoot, recorded.output_folder, "output_folder") };
        const layout = keyLayout(jobOptions.number_sample_per_shard, jobOptions.oom_shard_count);
        const folder = outputFolder(jobOptions.output_folder);
        const shard = (await bus.shards.get(key)) as ShardRecord | null;
        const generation = shard?.generation ?? 0;
        park = (error) => bus.shards.put(key, { status: "parked", generation, deliveries, error } satisfies ShardRecord);
        // A unit delivered again after its shard was written (the ack was lost) needs only the ack.
        const verified = await verifiedShardStats(folder, shardName(layout, shardId), jobOptions.output_format, lease.unit.rowCount);
        if (verified) {
          await bus.shards.put(key, { status: "done", generation, ...verified } satisfies ShardRecord);
          await lease.ack();
          return "finished";
        }
        // Refused while another writer holds the shard or the folder: the unit comes back later.
        shardLock = await lockShard(folder, shardName(layout, shardId), `a fleet assembler (job ${jobId})`);
        if (shard === null || shard.status === "queued") {
          const takes = (shard?.takes ?? 0) + 1;
          await bus.shards.put(key, { status: "queued", generation, takes } satisfies ShardRecord);
          deliveries = Math.max(deliveries, takes);
        }
        // The last line of an assembler that dies on a shard: which shard, and how often it was tried.
        options.log("shard_taken", { jobId, shardId, delivery: deliveries, streamSequence: lease.streamSequence });
        if (deliveries > 2 * options.maxDeliveries) {
          throw new PoisonShard(`delivered ${deliveries} times without finishing (its assemblers stopped or died on it)`);
        }
        const rows = (await bus.inputs.get(jobId, shardId)) as SampleInput[];
        assembly = assembleShard(
          {
            outputDir: folder.root,
            journalDir: folder.journalDir,
            recordDir: folder.recordDir,
            layout,
            ...assemblyOptionsOf(jobOptions),
            stages: options.stagesFor(jobOptions),
            window: windowFor(jobId, jobOptions.thread_count),
            ...(metrics ? { onSample: ({ record }: SampleOutcome) => metrics.sampleDone(record.status, record.errorMessage) } : {}),
          },
          shardId,
          fromArray(rows),
          abort.signal,
        );
        const written = await assembly.done;
        metrics?.shardWritten(written.tar.bytes + written.parquet.bytes);
        const record: ShardRecord = {
          status: "done",
          generation,
          count: written.stats.count,
          successes: written.stats.successes,
          tarSha256: written.tar.sha256,
          parquetSha256: written.parquet.sha256,
        };
        await bus.shards.put(key, { ...record });
        await lease.ack();
        await bus.inputs.delete(jobId, shardId);
        shardsFinished++;
        options.log("shard_done", { jobId, shardId, count: record.count, successes: record.successes });
        return "finished";
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A shard another writer holds is not failing: it is retried (after an ack wait) however often.
        const lockedOut = error instanceof OutputFolderLockedError;
        if (park && !abort.signal.aborted && !lockedOut && (error instanceof PoisonShard || deliveries >= options.maxDeliveries)) {
          // Off the queue, so that the jobs after it keep flowing; the job reports the shard and why.
          try {
            await park(message);
            await lease.ack();
            options.log("shard_parked", { jobId, shardId, deliveries, error: message });
            metrics?.shardParked();
            return "parked";
          } catch {
            // NATS did not answer: handed back below, and parked on a later delivery.
          }
        }
        // The journal keeps what was fetched; whoever gets the unit next resumes from it.
        lease.nak(abort.signal.aborted ? 0 : lockedOut ? options.ackWaitMs : 1_000);
        if (!abort.signal.aborted) options.log("shard_failed", { jobId, shardId, error: String(error) });
        return "handed-back";
      } finally {
        clearInterval(heartbeat);
        active.delete(key);
        shardSlots.release();
        await shardLock?.release();
      }
    })();
    active.set(key, { lease, rowsDone: () => assembly?.rowsDone() ?? 0, abort, settled });
  };

  const loop = (async () => {
    while (!stopTaking.signal.aborted) {
      await shardSlots.acquire();
      const lease = await consumer.next(stopTaking.signal);
      if (!lease) {
        shardSlots.release();
        break;
      }
      take(lease);
    }
  })();

  return {
    status() {
      return {
        state,
        shards: [...active.values()].map(({ lease, rowsDone }) => ({
          jobId: lease.unit.jobId,
          shardId: lease.unit.shardId,
          rowsDone: rowsDone(),
          rowsTotal: lease.unit.rowCount,
        })),
        windowSize: window.limit,
        inFlight: window.active,
        shardsFinished,
      };
    },
    async drain(graceMs) {
      state = "draining";
      stopTaking.abort();
      // The shards held now are the drain's, and the grace period starts now: the loop may be
      // waiting for a shard slot, which only frees once one of them settles.
      const shards = new Set(active.values());
      let graceOver = false;
      const timer = setTimeout(() => {
        graceOver = true;
        active.forEach((shard) => shard.abort.abort());
      }, graceMs);
      await loop;
      for (const shard of active.values()) {
        shards.add(shard); // taken just as the drain began
        if (graceOver) shard.abort.abort();
      }
      const outcomes = await Promise.all([...shards].map(async (shard) => [shard.lease.unit.shardId, await shard.settled] as const));
      clearTimeout(timer);
      await consumer.close();
      state = "stopped";
      return {
        finished: outcomes.filter(([, outcome]) => outcome === "finished").map(([id]) => id),
        handedBack: outcomes.filter(([, outcome]) => outcome === "handed-back").map(([id]) => id),
      };
    },
    observeSaturation(advert) {
      adverts.set(`${advert.service}/${advert.instance}`, advert);
      const now = Date.now();
      for (const [key, seen] of adverts) if (now - seen.atEpochMs > ADVERT_TTL_MS) adverts.delete(key);
      const load = (service: SaturationAdvert["service"]) => {
        const fleet = [...adverts.values()].filter((a) => a.service === service);
        const capacity = fleet.reduce((sum, a) => sum + a.capacity, 0);
        return capacity === 0 ? 0 : fleet.reduce((sum, a) => sum + a.inFlight, 0) / capacity;
      };
      const busiest = Math.max(load("fetcher"), load("transformer"));
      adjustWindow(window, busiest > SATURATED ? "saturated" : busiest < RELAXED ? "relaxed" : "steady", { min: 8, max: options.window, step: 8 });
    },
  };
}

class PoisonShard extends Error {
  override readonly name = "PoisonShard";
}

/** Holds a slot of `inner` and then of `outer`: the tighter of the two limits applies. */
function nestedLimiter(inner: Limiter, outer: Limiter): Limiter {
  let waiting = 0;
  return {
    async acquire() {
      waiting++;
      try {
        await inner.acquire();
        await outer.acquire();
      } finally {
        waiting--;
      }
    },
    release() {
      outer.release();
      inner.release();
    },
    setLimit: (limit) => inner.setLimit(limit),
    get active() {
      return inner.active;
    },
    get limit() {
      return Math.min(inner.limit, outer.limit);
    },
    get waiting() {
      return waiting;
    },
  };
}
