import { hostname } from "node:os";
import { connectBus, readNatsAuth } from "@laion-dl/bus";
import { FETCH_POLICY_SPECS, fetchPolicyOf, readServiceConfig, type OptionSpec } from "@laion-dl/config";
import { DEFAULT_MAX_MESSAGE_BYTES, followReadiness, loadContracts, readTransportSecurity, startGrpcServer } from "@laion-dl/grpc";
import { readDataRoot } from "@laion-dl/jobs";
import { createLogger, exitOnBootFailure, exitOnSignal } from "@laion-dl/telemetry";
import { createIngestService } from "./ingest-service.ts";

const SPECS: readonly OptionSpec[] = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50050, min: 0, max: 65_535, help: "gRPC port" },
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "max_outstanding", kind: "int", default: 64, min: 1, max: 1_000_000, help: "shards queued but unfinished before ingest pauses" },
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, max: 3_600_000, help: "time allowed to stop" },
  // The fetchers' policy (the same LAION_DL_LIMIT_* settings): a job beyond it is refused at SubmitJob.
  ...FETCH_POLICY_SPECS,
];

const log = createLogger("ingest");
try {
  const values = readServiceConfig(SPECS);
  const config = values as unknown as { host: string; port: number; nats_url: string; max_outstanding: number; grace_ms: number };
  const policy = fetchPolicyOf(values);
  const security = readTransportSecurity();
  const dataRoot = readDataRoot();
  if (dataRoot === undefined) log.warn("no_data_root", { message: "LAION_DL_DATA_ROOT is not set: every job is refused until it names the shared volume" });
  const contracts = await loadContracts();
  const bus = await connectBus({ servers: config.nats_url.split(","), name: `ingest-${hostname()}-${process.pid}`, auth: readNatsAuth() });
  const ingest = createIngestService(bus, { maxOutstanding: config.max_outstanding, policy, dataRoot, log });
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    security,
    warn: (event, fields) => log.warn(event, fields),
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.ingest, implementation: ingest.handlers }],
  });
  followReadiness(server.health, () => bus.connected);
  await ingest.resumeInterrupted();
  log.info("serving", { port: server.port });
  exitOnSignal(
    async () => {
      await server.shutdown(config.grace_ms);
      await ingest.stop();
      await bus.close();
    },
    { graceMs: config.grace_ms, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
