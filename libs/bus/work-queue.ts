import { AckPolicy, DeliverPolicy, nanos, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from "nats";
import { apiErrorCode, attempt } from "./errors.ts";
import { shardKey, type BusNames } from "./names.ts";
import { createWorkConsumer, type WorkConsumer } from "./work-consumer.ts";
import { encodeUnit, type WorkUnit } from "./work-unit.ts";

export interface WorkQueue {
  /**
   * Publishes with msgID `${jobId}.${shardId}` (`.${generation}` after it when given): publishing the
   * same unit again within the dedupe window adds nothing; a shard queued again on purpose (its
   * files were lost) takes the next generation.
   */
  publish(unit: WorkUnit, generation?: number): Promise<void>;
  /**
   * Binds to the durable pull consumer every assembler shares (created or updated here). The stream
   * has work-queue retention, so each unit goes to one consumer at a time and leaves the stream when
   * acked; an unacked unit is redelivered after ack_wait. A work-queue stream takes one durable only,
   * and ackWaitMs/maxDeliver are that durable's settings: the latest consume() call sets them for all.
   */
  consume(options: { durable: string; ackWaitMs: number; maxDeliver?: number }): Promise<WorkConsumer>;
  /** Units published but not yet acked (pending + ack-pending, plus any that ran out of maxDeliver). */
  outstanding(): Promise<number>;
}

const DUPLICATE_WINDOW_MS = 2 * 60_000;
const STREAM_CONFIG_DIFFERS = 10058;
const CONSUMER_EXISTS = 10148; // servers >= 2.10; 2.9 updates the consumer on add

/** Creates the work stream, or brings an existing one to this config (retention cannot change). */
export async function ensureWorkStream(jsm: JetStreamManager, names: BusNames): Promise<void> {
  const config = {
    name: names.stream,
    subjects: [names.workSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  await attempt(`creating stream ${names.stream}`, async () => {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (apiErrorCode(error) !== STREAM_CONFIG_DIFFERS) throw error;
      await jsm.streams.update(names.stream, config);
    }
  });
}

/** The queue plus closeAll(), which the bus calls on close so waiting next() calls return null. */
export function createWorkQueue(js: JetStreamClient, jsm: JetStreamManager, names: BusNames): WorkQueue & { closeAll(): Promise<void> } {
  const consumers = new Set<WorkConsumer>();
  return {
    async publish(unit, generation = 0) {
      const key = generation === 0 ? shardKey(unit.jobId, unit.shardId) : `${shardKey(unit.jobId, unit.shardId)}.${generation}`;
      const data = encodeUnit(unit);
      await attempt(`publishing work unit ${key}`, () => js.publish(names.workSubject(unit.jobId), data, { msgID: key }));
    },
    async consume({ durable, ackWaitMs, maxDeliver = -1 }) {
      if (!/^[A-Za-z0-9_-]+$/.test(durable)) throw new RangeError(`Expected letters, digits, "_" or "-" for durable but received ${JSON.stringify(durable)}`);
      if (!Number.isSafeInteger(ackWaitMs) || ackWaitMs < 1) throw new RangeError(`Expected positive integer for ackWaitMs but received ${ackWaitMs}`);
      if (!Number.isSafeInteger(maxDeliver) || maxDeliver === 0 || maxDeliver < -1) {
        throw new RangeError(`Expected positive integer or -1 for maxDeliver but received ${maxDeliver}`);
      }
      const settings = { ack_wait: nanos(ackWaitMs), max_deliver: maxDeliver };
      const consumer = await attempt(`creating consumer ${durable} on ${names.stream}`, async () => {
        try {
          await jsm.consumers.add(names.stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...settings });
        } catch (error) {
          if (apiErrorCode(error) !== CONSUMER_EXISTS) throw error;
          await jsm.consumers.update(names.stream, durable, settings);
        }
        return js.consumers.get(names.stream, durable);
      });
      const work = createWorkConsumer(consumer);
      consumers.add(work);
      return {
        next: (signal) => work.next(signal),
        async close() {
          consumers.delete(work);
          await work.close();
        },
      };
    },
    async outstanding() {
      const info = await attempt(`reading stream ${names.stream}`, () => jsm.streams.info(names.stream));
      return info.state.messages;
    },
    async closeAll() {
      await Promise.all([...consumers].map((work) => work.close()));
      consumers.clear();
    },
  };
}
