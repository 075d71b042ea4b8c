import type { Consumer, JsMsg } from "nats";
import { BusError } from "./errors.ts";
import { decodeUnit, type WorkUnit } from "./work-unit.ts";

/** A unit held by this consumer until acked, nak'ed, or ack_wait passes without working(). */
export interface WorkLease {
  readonly unit: WorkUnit;
  /** 1 on first delivery, 2 after one redelivery, ... */
  readonly deliveryCount: number;
  /** The unit's message in the stream: two leases of one shard with different ones mean it was queued twice. */
  readonly streamSequence: number;
  /** In-progress heartbeat: restarts ack_wait, so a long shard is not handed to someone else. */
  working(): void;
  /**
   * Acknowledges and waits for the server to confirm. If this throws, the unit may come back after
   * ack_wait: whoever gets it then finds the shard recorded as done and acks it again.
   */
  ack(): Promise<void>;
  /** Hands the unit back now (or after delayMs), e.g. on graceful shutdown. */
  nak(delayMs?: number): void;
}

export interface WorkConsumer {
  /** Waits for one unit; null once the consumer is closed or `signal` aborts. */
  next(signal?: AbortSignal): Promise<WorkLease | null>;
  /** Ends waiting next() calls with null. Leases already handed out stay valid. */
  close(): Promise<void>;
}

// Each pull waits this long on the server before being renewed.
const PULL_EXPIRES_MS = 5_000;
// Pause before pulling again after a failed pull (server restarting, JetStream not ready yet).
const RETRY_DELAY_MS = 250;

export function createWorkConsumer(consumer: Consumer): WorkConsumer {
  const closing = new AbortController();
  // next() calls waiting for a unit. A unit that reaches an abandoned pull goes to one of them, or
  // back to the server when none waits: bouncing it would cost a delivery (see maxDeliver).
  const waiters = new Set<(msg: JsMsg) => void>();
  const passOn = (msg: JsMsg) => {
    const [waiter] = waiters;
    if (waiter === undefined) return msg.nak();
    waiters.delete(waiter);
    waiter(msg);
  };

  return {
    async next(signal) {
      const stopped = signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
      while (!stopped.aborted) {
        let passed: JsMsg | undefined;
        let wake!: () => void;
        const handedOver = new Promise<void>((resolve) => (wake = resolve));
        const waiter = (m: JsMsg) => {
          passed = m;
          wake();
        };
        waiters.add(waiter);
        const abort = whenAborted(stopped);
        let msg: JsMsg | undefined;
        let failed = false;
        try {
          msg = await pullOne(consumer, Promise.race([abort.promise, handedOver]), passOn);
        } catch {
          failed = true; // disconnected or the server is restarting: the client reconnects on its own
        } finally {
          abort.dispose();
          waiters.delete(waiter);
        }
        if (passed !== undefined) {
          if (msg !== undefined) passOn(msg);
          msg = passed;
        } else if (failed) {
          await pause(RETRY_DELAY_MS, stopped);
          continue;
        }
        if (msg === undefined) continue;
        if (stopped.aborted) {
          passOn(msg);
          break;
        }
        const unit = decodeUnit(msg.data);
        if (unit === undefined) {
          msg.term(); // not a work unit: no redelivery would ever make it one
          continue;
        }
        return createLease(msg, unit);
      }
      return null;
    },
    async close() {
      closing.abort();
    },
  };
}

/**
 * One message from a pull of one, or undefined when the pull expires or `interrupt` settles first.
 * NATS cannot cancel a pull: an interrupted one stays open on the server until it expires, so its
 * inbox stays subscribed and whatever it still delivers goes to `late` instead of sitting unacked
 * in a dead inbox until ack_wait.
 */
async function pullOne(consumer: Consumer, interrupt: Promise<unknown>, late: (msg: JsMsg) => void): Promise<JsMsg | undefined> {
  const batch = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
  const messages = batch[Symbol.asyncIterator]();
  const first = messages.next();
  const winner = await Promise.race([first, interrupt.then((): typeof INTERRUPTED => INTERRUPTED)]);
  if (winner === INTERRUPTED) {
    void handOver(first, messages, late);
    return undefined;
  }
  // Done once it delivered; a second message only comes after a reconnect, when the client re-pulls.
  batch.stop();
  void handOver(messages.next(), messages, late);
  return winner.done ? undefined : winner.value;
}

async function handOver(pending: Promise<IteratorResult<JsMsg>>, messages: AsyncIterator<JsMsg>, late: (msg: JsMsg) => void): Promise<void> {
  try {
    for (let result = await pending; !result.done; result = await messages.next()) late(result.value);
  } catch {
    // The pull ended with an error: nothing more will arrive on it.
  }
}

const INTERRUPTED = Symbol("interrupted");

function whenAborted(signal: AbortSignal): { promise: Promise<void>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

function createLease(msg: JsMsg, unit: WorkUnit): WorkLease {
  const key = `${unit.jobId}.${unit.shardId}`;
  return {
    unit,
    deliveryCount: msg.info.deliveryCount,
    streamSequence: msg.info.streamSequence,
    working: () => msg.working(),
    async ack() {
      let confirmed: boolean;
      try {
        confirmed = await msg.ackAck();
      } catch (error) {
        throw new BusError(`ack of work unit ${key} not confirmed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (!confirmed) throw new BusError(`work unit ${key} was already acknowledged`);
    },
    nak: (delayMs) => msg.nak(delayMs),
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
