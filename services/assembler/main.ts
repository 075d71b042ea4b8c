import { hostname } from "node:os";
import { connectBus, readNatsAuth } from "@laion-dl/bus";
import { readServiceConfig, stageOptionsOf, type DownloadOptions, type OptionSpec } from "@laion-dl/config";
import {
  createClient,
  isChannelReady,
  DEFAULT_MAX_MESSAGE_BYTES,
  followReadiness,
  loadContracts,
  readTransportSecurity,
  startGrpcServer,
  waitForReady,
  type FetchServiceClient,
  type TransformServiceClient,
} from "@laion-dl/grpc";
import { readDataRoot, startAssemblerWorker, type AssemblerWorker } from "@laion-dl/jobs";
import type { SampleStages } from "@laion-dl/pipeline";
import { createRemoteStages } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure, exitOnSignal } from "@laion-dl/telemetry";
import { createAssemblerService } from "./assembler-service.ts";

const SPECS = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50053, min: 0, help: "gRPC port" },
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "fetcher_addresses", kind: "string", default: undefined, help: "fetcher replicas: dns:///name:port or host:port,host:port" },
  { name: "transformer_addresses", kind: "string", default: undefined, help: "transformer replicas, same forms" },
  { name: "max_shards", kind: "int", default: 2, min: 1, help: "shards worked on at once" },
  { name: "window", kind: "int", default: 256, min: 1, help: "samples in flight before backpressure" },
  { name: "ack_wait_ms", kind: "int", default: 60_000, min: 100, help: "redelivery delay of a shard whose assembler went silent" },
  { name: "max_deliveries", kind: "int", default: 5, min: 1, max: 1_000, help: "deliveries a shard may fail on before it is parked and its job marked failed" },
  { name: "durable", kind: "string", default: "assemblers", help: "shared durable consumer name" },
  { name: "ready_timeout_ms", kind: "int", default: 60_000, min: 0, help: "time to wait for fetchers and transformers at boot" },
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, help: "time allowed to finish shards on stop before handing them back" },
] as const satisfies readonly OptionSpec<string>[];

interface Config {
  host: string;
  port: number;
  nats_url: string;
  fetcher_addresses: string;
  transformer_addresses: string;
  max_shards: number;
  window: number;
  ack_wait_ms: number;
  max_deliveries: number;
  durable: string;
  ready_timeout_ms: number;
  grace_ms: number;
}

const log = createLogger("assembler");
try {
  const config = readServiceConfig(SPECS) as unknown as Config;
  const security = readTransportSecurity();
  const dataRoot = readDataRoot();
  if (dataRoot === undefined) log.warn("no_data_root", { message: "LAION_DL_DATA_ROOT is not set: every shard is refused until it names the shared volume" });
  const contracts = await loadContracts();
  // One set of remote stages per distinct transform and HTTP setting (jobs usually share one).
  const stages = new Map<string, SampleStages & { close(): Promise<void> }>();
  const stagesFor = (options: DownloadOptions): SampleStages => {
    const transform = stageOptionsOf("transform", options);
    const fetch = stageOptionsOf("fetch", options);
    const key = JSON.stringify([transform, fetch]);
    let remote = stages.get(key);
    if (!remote) {
      remote = createRemoteStages({
        fetcherAddresses: config.fetcher_addresses,
        transformerAddresses: config.transformer_addresses,
        transform,
        fetch,
        security,
      });
      stages.set(key, remote);
    }
    return remote;
  };
  let worker: AssemblerWorker | undefined;
  let stopFollowing = (): void => {};
  let stopProcess = (_reason: string): void => {};
  const lifecycle = {
    draining() {
      stopFollowing();
      server.health.setAllServing(false);
    },
    drained: () => stopProcess("Drain"),
  };
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    security,
    warn: (event, fields) => log.warn(event, fields),
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.assembler, implementation: createAssemblerService(() => worker, config.grace_ms, lifecycle) }],
  });
  log.info("listening", { port: server.port }); // health stays NOT_SERVING until NATS and the stages answer

  const bus = await connectBus({ servers: config.nats_url.split(","), name: `assembler-${hostname()}-${process.pid}`, auth: readNatsAuth() });
  const probes = [
    createClient<FetchServiceClient>(contracts.fetch, config.fetcher_addresses, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, security }),
    createClient<TransformServiceClient>(contracts.transform, config.transformer_addresses, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, security }),
  ];
  await Promise.all(probes.map((client) => waitForReady(client, config.ready_timeout_ms)));
  const stagesReady = () => probes.every(isChannelReady);

  worker = await startAssemblerWorker({
    bus,
    durable: config.durable,
    dataRoot,
    ackWaitMs: config.ack_wait_ms,
    maxDeliveries: config.max_deliveries,
    maxShards: config.max_shards,
    window: config.window,
    stagesFor,
    log: (event, fields) => log.info(event, fields),
  });
  const running = worker;
  const unsubscribe = bus.signals.onSaturation((advert) => running.observeSaturation(advert));
  stopFollowing = followReadiness(server.health, () => bus.connected && stagesReady());
  log.info("serving", { port: server.port });
  stopProcess = exitOnSignal(
    async () => {
      // Stop taking shards first, then finish or hand back the ones in progress.
      stopFollowing();
      const drained = await running.drain(config.grace_ms);
      log.info("drained", drained);
      unsubscribe();
      await server.shutdown(1_000);
      probes.forEach((client) => client.close());
      await Promise.all([...stages.values()].map((remote) => remote.close()));
      await bus.close();
    },
    { graceMs: config.grace_ms + 2_000, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
