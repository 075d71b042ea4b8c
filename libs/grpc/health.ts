import type { Server, ServerWritableStream, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";

/** The server's grpc.health.v1 statuses, as seen by Kubernetes' `readinessProbe: grpc:`. */
export interface HealthReporter {
  /**
   * Reports one service ("" = the whole server) SERVING or NOT_SERVING. Every status starts
   * NOT_SERVING: flip it once the service's dependencies are ready. Ignored once shutdown began.
   */
  setServing(service: string, serving: boolean): void;
  /** The same for "" and every registered service at once. */
  setAllServing(serving: boolean): void;
  /** The status a Check for `service` returns now. */
  status(service: string): "SERVING" | "NOT_SERVING";
}

/** HealthReporter plus what the server needs at shutdown. */
export interface ServerHealth extends HealthReporter {
  /** NOT_SERVING everywhere for good, then ends every Watch stream so shutdown need not wait for them. */
  stop(): void;
}

type WatchCall = ServerWritableStream<unknown, unknown>;

/**
 * Adds grpc-health-check's HealthImplementation for "" and `serviceNames`, all NOT_SERVING, to
 * each server (the main one, and a plaintext health-only one for probes): every server answers
 * the same statuses. Watch streams never end on their own, which would hold a graceful shutdown
 * until it is forced: they are tracked here and ended (status OK, after NOT_SERVING) by stop().
 */
export function addHealth(servers: readonly Server[], serviceNames: readonly string[]): ServerHealth {
  const names = new Set(["", ...serviceNames]);
  const statuses = new Map<string, ServingStatus>([...names].map((name) => [name, "NOT_SERVING"]));
  const implementation = new HealthImplementation(Object.fromEntries(statuses));
  const watches = new Set<WatchCall>();
  let stopped = false;

  for (const server of servers) {
    implementation.addToServer({
      addService(definition: unknown, handlers: UntypedServiceImplementation) {
        const watch = handlers["watch"] as ((call: WatchCall) => void) | undefined;
        const tracked: UntypedServiceImplementation = {
          ...handlers,
          watch: (call: WatchCall) => {
            watches.add(call);
            call.on("cancelled", () => watches.delete(call));
            call.on("finish", () => watches.delete(call));
            watch?.(call);
            if (stopped) call.end();
          },
        };
        // grpc-health-check is typed against its own copy of @grpc/proto-loader; the shape is the same.
        server.addService(definition as ServiceDefinition, tracked);
      },
    });
  }

  const set = (service: string, status: ServingStatus): void => {
    statuses.set(service, status);
    implementation.setStatus(service, status);
  };
  const check = (service: string): void => {
    if (!names.has(service)) {
      throw new RangeError(`Expected one of ${[...names].map((n) => JSON.stringify(n)).join(", ")} for service but received ${JSON.stringify(service)}`);
    }
  };

  const setServing = (service: string, serving: boolean): void => {
    check(service);
    if (!stopped) set(service, serving ? "SERVING" : "NOT_SERVING");
  };

  return {
    setServing,
    setAllServing(serving) {
      for (const name of names) setServing(name, serving);
    },
    status(service) {
      check(service);
      return statuses.get(service) === "SERVING" ? "SERVING" : "NOT_SERVING";
    },
    stop() {
      if (stopped) return;
      for (const name of names) set(name, "NOT_SERVING");
      stopped = true;
      for (const call of watches) call.end();
      watches.clear();
    },
  };
}

/**
 * Keeps health in step with a readiness check (NATS connected, downstream stages answering):
 * SERVING while it holds, NOT_SERVING while it does not. Stops with the returned function;
 * after shutdown begins, the reporter ignores SERVING anyway.
 */
export function followReadiness(health: HealthReporter, isReady: () => boolean, intervalMs = 1_000): () => void {
  const update = () => health.setAllServing(isReady());
  update();
  const timer = setInterval(update, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
