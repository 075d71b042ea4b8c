import type { NatsConnection } from "nats";
import { BusError } from "./errors.ts";
import type { BusNames } from "./names.ts";

/** Fleet-wide: stop fetching from `host` until `untilEpochMs` (it answered 429/503). */
export interface HostBackoffSignal {
  readonly host: string;
  readonly untilEpochMs: number;
  /** Who saw the refusal (instance name), for logs. */
  readonly source: string;
}

/** A fetcher or transformer telling assemblers how full it is, so they can shrink their windows. */
export interface SaturationAdvert {
  readonly service: "fetcher" | "transformer";
  readonly instance: string;
  readonly inFlight: number;
  readonly capacity: number;
  readonly atEpochMs: number;
}

/**
 * Fire-and-forget signals. Handlers run asynchronously, after publish returns, also for signals
 * this process published itself; each returned function unsubscribes its handler.
 */
export interface Signals {
  publishBackoff(signal: HostBackoffSignal): void;
  onBackoff(handler: (signal: HostBackoffSignal) => void): () => void;
  publishSaturation(advert: SaturationAdvert): void;
  onSaturation(handler: (advert: SaturationAdvert) => void): () => void;
}

type Guard<T> = (value: unknown) => value is T;

const isBackoff: Guard<HostBackoffSignal> = (value): value is HostBackoffSignal => {
  const v = value as Partial<HostBackoffSignal> | null;
  return typeof v?.host === "string" && typeof v.untilEpochMs === "number" && typeof v.source === "string";
};

const isSaturation: Guard<SaturationAdvert> = (value): value is SaturationAdvert => {
  const v = value as Partial<SaturationAdvert> | null;
  return (
    (v?.service === "fetcher" || v?.service === "transformer") &&
    typeof v.instance === "string" &&
    typeof v.inFlight === "number" &&
    typeof v.capacity === "number" &&
    typeof v.atEpochMs === "number"
  );
};

/** In-process signals (embedded mode), delivered like NATS would: later, as a copy, own ones too. */
export function createLocalSignals(): Signals {
  const channel = <T extends object>(guard: Guard<T>, kind: string) => {
    const handlers = new Set<(value: T) => void>();
    return {
      publish(value: T) {
        if (!guard(value)) throw new TypeError(`Expected a ${kind} signal but received ${JSON.stringify(value)}`);
        const copy = Object.freeze(structuredClone(value));
        for (const handler of handlers) queueMicrotask(() => handlers.has(handler) && handler(copy));
      },
      subscribe(handler: (value: T) => void) {
        // A wrapper, so the same function subscribed twice runs twice, as with two NATS subscriptions.
        const entry = (value: T) => handler(value);
        handlers.add(entry);
        return () => void handlers.delete(entry);
      },
    };
  };
  const backoff = channel(isBackoff, "backoff");
  const saturation = channel(isSaturation, "saturation");
  return {
    publishBackoff: backoff.publish,
    onBackoff: backoff.subscribe,
    publishSaturation: saturation.publish,
    onSaturation: saturation.subscribe,
  };
}

/** Signals as core NATS messages (JSON): no persistence, no acks; a missed one is superseded by the next. */
export function createNatsSignals(nc: NatsConnection, names: BusNames): Signals {
  const encoder = new TextEncoder();
  const channel = <T extends object>(subject: string, guard: Guard<T>, kind: string) => ({
    publish(value: T) {
      if (!guard(value)) throw new TypeError(`Expected a ${kind} signal but received ${JSON.stringify(value)}`);
      try {
        nc.publish(subject, encoder.encode(JSON.stringify(value)));
      } catch (error) {
        throw new BusError(`publishing ${kind} signal: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
    subscribe(handler: (value: T) => void) {
      const sub = nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error) return;
          let value: unknown;
          try {
            value = msg.json();
          } catch {
            return; // not JSON: not ours to act on
          }
          // Outside the client's dispatch, so a throwing handler cannot upset the connection.
          if (guard(value)) queueMicrotask(() => !sub.isClosed() && handler(Object.freeze(value)));
        },
      });
      return () => sub.unsubscribe();
    },
  });
  const backoff = channel(names.backoffSubject, isBackoff, "backoff");
  const saturation = channel(names.saturationSubject, isSaturation, "saturation");
  return {
    publishBackoff: backoff.publish,
    onBackoff: backoff.subscribe,
    publishSaturation: saturation.publish,
    onSaturation: saturation.subscribe,
  };
}

/**
 * Publishes a stage's load every `intervalMs` until the returned function is called, so
 * assemblers can size their windows to the fleet. A publish that fails while disconnected is
 * dropped: the next advert supersedes it.
 */
export function startSaturationAdverts(
  signals: Signals,
  advert: { service: SaturationAdvert["service"]; instance: string; capacity: number; inFlight: () => number },
  intervalMs = 1_000,
): () => void {
  const timer = setInterval(() => {
    try {
      signals.publishSaturation({
        service: advert.service,
        instance: advert.instance,
        inFlight: advert.inFlight(),
        capacity: advert.capacity,
        atEpochMs: Date.now(),
      });
    } catch {
      // disconnected
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
