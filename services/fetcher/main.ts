import { connectBus, startSaturationAdverts } from "@laion-dl/bus";
import { createFetcher, createHostBackoff, fetcherOptionsOf } from "@laion-dl/fetch";
import { DEFAULT_MAX_MESSAGE_BYTES, followReadiness, loadContracts, startGrpcServer } from "@laion-dl/grpc";
import { createFetchService } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure, exitOnSignal } from "@laion-dl/telemetry";
import { readFetcherConfig } from "./config.ts";

/** A peer's hold is capped like our own Retry-After handling: no signal parks a host for longer. */
const MAX_HOLD_MS = 60_000;

const log = createLogger("fetcher");
try {
  const config = readFetcherConfig();
  const contracts = await loadContracts();
  let publishBackoff: ((host: string, untilEpochMs: number) => void) | undefined;
  const hostBackoff = createHostBackoff();
  const fetcher = createFetcher({
    ...fetcherOptionsOf(config),
    hostBackoff,
    onThrottled: (host, untilEpochMs) => publishBackoff?.(host, untilEpochMs),
  });
  const service = createFetchService({ fetcher, concurrency: config.concurrency });
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.fetch, implementation: service.handlers }],
  });
  // Shutdown aborts `stopping`: streams stop taking requests, answer what they hold and end.
  server.stopping.addEventListener("abort", () => void service.drain());
  log.info("listening", { port: server.port, instance: config.instance, concurrency: config.concurrency }); // NOT_SERVING until NATS is up

  const bus = await connectBus({ servers: config.nats_url.split(","), name: `fetcher-${config.instance}` });
  log.info("bus_connected", { nats_url: config.nats_url });
  // One fetcher's 429/503 slows every fetcher for that host.
  publishBackoff = (host, untilEpochMs) => {
    try {
      bus.signals.publishBackoff({ host, untilEpochMs, source: config.instance });
    } catch (error) {
      log.error("backoff_publish_failed", { host, error: String(error) });
    }
  };
  const unsubscribe = bus.signals.onBackoff((signal) => {
    if (signal.source === config.instance) return;
    hostBackoff.hold(signal.host, Math.min(signal.untilEpochMs, Date.now() + MAX_HOLD_MS));
  });
  const stopAdverts = startSaturationAdverts(bus.signals, { service: "fetcher", instance: config.instance, capacity: config.concurrency, inFlight: () => service.inFlight() });
  const stopFollowing = followReadiness(server.health, () => bus.connected);
  log.info("serving", { port: server.port });

  exitOnSignal(
    async () => {
      stopFollowing();
      stopAdverts();
      const inFlight = service.inFlight();
      const how = await server.shutdown(config.grace_ms); // NOT_SERVING first, then drain
      log.info("grpc_stopped", { how, in_flight_at_stop: inFlight });
      unsubscribe();
      await fetcher.close();
      await bus.close();
    },
    { graceMs: config.grace_ms + 2_000, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
