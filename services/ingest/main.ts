import { hostname } from "node:os";
import { connectBus, readNatsAuth } from "@laion-dl/bus";
import { fetchPolicyOf, readServiceConfig } from "@laion-dl/config";
import { countCalls, DEFAULT_MAX_MESSAGE_BYTES, followReadiness, loadContracts, readTransportSecurity, startGrpcServer } from "@laion-dl/grpc";
import { readDataRoot } from "@laion-dl/jobs";
import { createLogger, exitOnBootFailure, exitOnSignal, startTelemetry, type TelemetryConfig } from "@laion-dl/telemetry";
import { INGEST_SPECS } from "./config.ts";
import { createIngestService } from "./ingest-service.ts";

const log = createLogger("ingest");
try {
  const values = readServiceConfig(INGEST_SPECS);
  const config = values as unknown as TelemetryConfig & { port: number; health_port: number; nats_url: string; max_outstanding: number; grace_ms: number };
  const policy = fetchPolicyOf(values);
  const security = readTransportSecurity();
  const dataRoot = readDataRoot();
  if (dataRoot === undefined) log.warn("no_data_root", { message: "LAION_DL_DATA_ROOT is not set: every job is refused until it names the shared volume" });
  const contracts = await loadContracts();
  const telemetry = await startTelemetry(config, log);
  const { metrics } = telemetry;
  const bus = await connectBus({
    servers: config.nats_url.split(","),
    name: `ingest-${hostname()}-${process.pid}`,
    auth: readNatsAuth(),
    onReconnect: metrics?.natsReconnected,
  });
  metrics?.observe("shards_outstanding", () => bus.workQueue.outstanding());
  const ingest = createIngestService(bus, { maxOutstanding: config.max_outstanding, policy, dataRoot, log });
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    ...(config.health_port ? { healthPort: config.health_port } : {}),
    security,
    warn: (event, fields) => log.warn(event, fields),
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.ingest, implementation: ingest.handlers }],
    interceptors: metrics ? [countCalls(metrics.grpcCallEnded)] : [],
  });
  followReadiness(server.health, () => bus.connected);
  await ingest.resumeInterrupted();
  log.info("serving", { port: server.port });
  exitOnSignal(
    async () => {
      await server.shutdown(config.grace_ms);
      await ingest.stop();
      await bus.close();
      await telemetry.close();
    },
    { graceMs: config.grace_ms, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
