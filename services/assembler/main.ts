import { hostname } from "node:os";
import { connectBus, readNatsAuth } from "@laion-dl/bus";
import { readServiceConfig, stageOptionsOf, type DownloadOptions } from "@laion-dl/config";
import {
  countCalls,
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
import { createLogger, exitOnBootFailure, exitOnSignal, startTelemetry } from "@laion-dl/telemetry";
import { createAssemblerService } from "./assembler-service.ts";
import { ASSEMBLER_SPECS, type AssemblerConfig } from "./config.ts";

const log = createLogger("assembler");
try {
  const config = readServiceConfig(ASSEMBLER_SPECS) as unknown as AssemblerConfig;
  const security = readTransportSecurity();
  const dataRoot = readDataRoot();
  if (dataRoot === undefined) log.warn("no_data_root", { message: "LAION_DL_DATA_ROOT is not set: every shard is refused until it names the shared volume" });
  const contracts = await loadContracts();
  const telemetry = await startTelemetry(config, log);
  const { metrics } = telemetry;
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
    ...(config.health_port ? { healthPort: config.health_port } : {}),
    security,
    warn: (event, fields) => log.warn(event, fields),
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.assembler, implementation: createAssemblerService(() => worker, config.grace_ms, lifecycle) }],
    interceptors: metrics ? [countCalls(metrics.grpcCallEnded)] : [],
  });
  log.info("listening", { port: server.port }); // health stays NOT_SERVING until NATS and the stages answer

  const bus = await connectBus({
    servers: config.nats_url.split(","),
    name: `assembler-${hostname()}-${process.pid}`,
    auth: readNatsAuth(),
    onReconnect: metrics?.natsReconnected,
  });
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
    ...(metrics ? { metrics } : {}),
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
      await telemetry.close();
    },
    { graceMs: config.grace_ms + 2_000, log },
  );
} catch (error) {
  exitOnBootFailure(log)(error);
}
