import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import { connectBus, readNatsAuth, startSaturationAdverts, type Bus } from "@laion-dl/bus";
import { countCalls, DEFAULT_MAX_MESSAGE_BYTES, followReadiness, startGrpcServer, type TransportSecurity } from "@laion-dl/grpc";
import { exitOnSignal, type Logger, type Telemetry, type TelemetryConfig } from "@laion-dl/telemetry";

export interface StageServiceConfig extends TelemetryConfig {
  readonly host: string;
  readonly port: number;
  /** Plaintext health-only port for probes; 0: none. */
  readonly health_port: number;
  readonly nats_url: string;
  readonly instance: string;
  readonly concurrency: number;
  readonly grace_ms: number;
}

export interface StageServiceOptions {
  readonly name: "fetcher" | "transformer";
  readonly definition: ServiceDefinition;
  /** `capacity`: the inFlight() of a fully loaded service, for the saturation adverts; default config.concurrency. */
  readonly service: { readonly handlers: object; inFlight(): number; readonly capacity?: number; drain(): Promise<void> };
  readonly config: StageServiceConfig;
  readonly log: Logger;
  /** The server's TLS and token (readTransportSecurity at boot). */
  readonly security: TransportSecurity;
  /** From startTelemetry: its metrics, if any, count this server's gRPC calls and NATS reconnects too. */
  readonly telemetry: Telemetry;
  /** What else the stage does over NATS, done before it reports SERVING; returns what to undo once the server has drained. */
  withBus?(bus: Bus): Promise<() => Promise<void> | void> | (() => Promise<void> | void);
  /** What else must answer before the stage serves (a transformer's fetchers); default nothing. */
  ready?(): boolean;
  /** Closes the stage's own clients once the server has drained. */
  close?(): Promise<void>;
}

/**
 * The life of a stage service (fetcher, transformer): serve gRPC at once (NOT_SERVING), connect
 * NATS, advertise load every second, follow NATS (and `ready`) in health; on SIGTERM/SIGINT drain in-flight
 * requests, undo the stage's own wiring, close NATS and exit.
 */
export async function runStageService(options: StageServiceOptions): Promise<void> {
  const { config, log, service } = options;
  const { metrics } = options.telemetry;
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    ...(config.health_port ? { healthPort: config.health_port } : {}),
    security: options.security,
    warn: (event, fields) => log.warn(event, fields),
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: options.definition, implementation: service.handlers as UntypedServiceImplementation }],
    interceptors: metrics ? [countCalls(metrics.grpcCallEnded)] : [],
  });
  // Shutdown aborts `stopping`: streams stop taking requests, answer what they hold and end.
  server.stopping.addEventListener("abort", () => void service.drain());
  log.info("listening", { port: server.port, instance: config.instance, concurrency: config.concurrency }); // NOT_SERVING until NATS is up

  const bus = await connectBus({
    servers: config.nats_url.split(","),
    name: `${options.name}-${config.instance}`,
    auth: readNatsAuth(),
    onReconnect: metrics?.natsReconnected,
  });
  log.info("bus_connected", { nats_url: config.nats_url });
  const undoStage = await options.withBus?.(bus);
  const stopAdverts = startSaturationAdverts(bus.signals, {
    service: options.name,
    instance: config.instance,
    capacity: service.capacity ?? config.concurrency,
    inFlight: () => service.inFlight(),
  });
  const stopFollowing = followReadiness(server.health, () => bus.connected && (options.ready?.() ?? true));
  log.info("serving", { port: server.port });

  exitOnSignal(
    async () => {
      stopFollowing();
      stopAdverts();
      const inFlight = service.inFlight();
      const how = await server.shutdown(config.grace_ms); // NOT_SERVING first, then drain
      log.info("grpc_stopped", { how, in_flight_at_stop: inFlight });
      await undoStage?.();
      await options.close?.();
      await bus.close();
      await options.telemetry.close();
    },
    { graceMs: config.grace_ms + 2_000, log },
  );
}
