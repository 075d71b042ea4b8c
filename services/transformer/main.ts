import { loadContracts } from "@laion-dl/grpc";
import { createTransformService, runStageService } from "@laion-dl/stages";
import { createLogger, exitOnBootFailure } from "@laion-dl/telemetry";
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
  await runStageService({ name: "transformer", definition: contracts.transform, service, config, log });
} catch (error) {
  exitOnBootFailure(log)(error);
}
