import { connectBus, startSaturationAdverts } from "@laion-dl/bus";
import { DEFAULT_MAX_MESSAGE_BYTES, followReadiness, loadContracts, startGrpcServer } from "@laion-dl/grpc";
import { createTransformService } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure, exitOnSignal } from "@laion-dl/telemetry";
import { readTransformerConfig } from "./config.ts";

/** libuv's default: sharp runs each image on one of these threads. */
const DEFAULT_THREADPOOL_SIZE = 4;

const log = createLogger("transformer");
try {
  const config = readTransformerConfig();
  const contracts = await loadContracts();
  const service = createTransformService({ concurrency: config.concurrency });
  // The pool is sized when the process starts (package.json's start script sets it); only say so here.
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || DEFAULT_THREADPOOL_SIZE;
  if (threadpool < config.concurrency) {
    log.error("threadpool_too_small", { UV_THREADPOOL_SIZE: threadpool, concurrency: config.concurrency, effective: threadpool });
  }
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.transform, implementation: service.handlers }],
  });
  // Shutdown aborts `stopping`: streams stop taking requests, answer what they hold and end.
  server.stopping.addEventListener("abort", () => void service.drain());
  log.info("listening", { port: server.port, instance: config.instance, concurrency: config.concurrency }); // NOT_SERVING until NATS is up

  const bus = await connectBus({ servers: config.nats_url.split(","), name: `transformer-${config.instance}` });
  log.info("bus_connected", { nats_url: config.nats_url });
  const stopAdverts = startSaturationAdverts(bus.signals, { service: "transformer", instance: config.instance, capacity: config.concurrency, inFlight: () => service.inFlight() });
  const stopFollowing = followReadiness(server.health, () => bus.connected);
  log.info("serving", { port: server.port });

  exitOnSignal(
    async () => {
      stopFollowing();
      stopAdverts();
      const inFlight = service.inFlight();
      const how = await server.shutdown(config.grace_ms); // NOT_SERVING first, then drain
      log.info("grpc_stopped", { how, in_flight_at_stop: inFlight });
      await bus.close();
    },
    { graceMs: config.grace_ms + 2_000, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
