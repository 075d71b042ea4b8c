import { createClient, isChannelReady, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, readTransportSecurity, type FetchServiceClient } from "@laion-dl/grpc";
import { createRemoteStages, createTransformService, runStageService } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure, startTelemetry } from "@laion-dl/telemetry";
import { readTransformerConfig } from "./config.ts";

/** libuv's default: sharp runs each image on one of these threads. */
const DEFAULT_THREADPOOL_SIZE = 4;

const log = createLogger("transformer");
try {
  const config = readTransformerConfig();
  const security = readTransportSecurity();
  const contracts = await loadContracts();
  // URL requests are downloaded by the fetcher fleet, so an original crosses one hop, not two.
  const fetchers = createRemoteStages({ fetcherAddresses: config.fetcher_addresses, security });
  const fetcherProbe = createClient<FetchServiceClient>(contracts.fetch, config.fetcher_addresses, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, security });
  const telemetry = await startTelemetry(config, log);
  const service = createTransformService({
    concurrency: config.concurrency,
    fetch: (url, options) => fetchers.fetch(url, options),
    meter: telemetry.metrics?.transforms,
  });
  // The pool is sized when the process starts (bin/laion-dl-service sets it); only say so here.
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || DEFAULT_THREADPOOL_SIZE;
  if (threadpool < config.concurrency) {
    log.error("threadpool_too_small", { UV_THREADPOOL_SIZE: threadpool, concurrency: config.concurrency, effective: threadpool });
  }
  await runStageService({
    name: "transformer",
    definition: contracts.transform,
    service,
    config,
    log,
    security,
    telemetry,
    ready: () => isChannelReady(fetcherProbe),
    close: async () => {
      fetcherProbe.close();
      await fetchers.close();
    },
  });
} catch (error) {
  exitOnBootFailure(log)(error);
}
