// Test-only helpers (not exported from mod.ts): real fetcher/transformer gRPC servers in this process.
import { FETCH_POLICY_SPECS, parseDownloadOptions, stageOptionsOf, type FetchPolicy } from "@laion-dl/config";
import { createFetcher, createFetcherPool, fetcherOptionsOf, type FetcherOptions } from "@laion-dl/fetch";
import { DEFAULT_MAX_MESSAGE_BYTES, loadContracts, startGrpcServer, type GrpcServer } from "@laion-dl/grpc";
import { createFetchService, type FetchService } from "./fetch-service.ts";
import { createTransformService, type TransformService } from "./transform-service.ts";

/** A job's options as the tests send them: fixtures live on 127.0.0.1, a 5 s timeout, no EXIF column. */
export const TEST_JOB = parseDownloadOptions({ url_list: "-", timeout: "5", allow_private_network: "True", extract_exif: "False" });
export const HTTP_OPTIONS = stageOptionsOf("fetch", TEST_JOB);
export const TRANSFORM_OPTIONS = stageOptionsOf("transform", TEST_JOB);
/** The same HTTP options as an in-process fetcher takes them. */
export const FETCHER_OPTIONS: FetcherOptions = fetcherOptionsOf(HTTP_OPTIONS);
/** A policy that lets a job ask for anything the option table allows. */
export const PERMISSIVE_POLICY: FetchPolicy = Object.fromEntries(FETCH_POLICY_SPECS.map((spec) => [spec.name, spec.kind === "bool" ? true : spec.max!]));

export interface FetcherServer {
  readonly server: GrpcServer;
  readonly service: FetchService;
  /** Requests this replica started downloading. */
  served(): number;
  stop(graceMs?: number): Promise<"graceful" | "forced">;
}

/** A real Fetcher (undici) behind a real FetchService on 127.0.0.1, drained when the server stops. */
export async function startFetcherServer(concurrency = 64): Promise<FetcherServer> {
  const contracts = await loadContracts();
  let served = 0;
  const fetchers = createFetcherPool((options) => {
    const real = createFetcher(fetcherOptionsOf(options));
    return {
      fetch(url) {
        served++;
        return real.fetch(url);
      },
      close: () => real.close(),
    };
  });
  const service = createFetchService({ fetchers, policy: PERMISSIVE_POLICY, concurrency });
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.fetch, implementation: service.handlers }],
  });
  server.stopping.addEventListener("abort", () => void service.drain());
  server.health.setAllServing(true);
  return {
    server,
    service,
    served: () => served,
    async stop(graceMs = 5_000) {
      const how = await server.shutdown(graceMs);
      await service.drain();
      await fetchers.close();
      return how;
    },
  };
}

export interface TransformerServer {
  readonly server: GrpcServer;
  readonly service: TransformService;
  stop(graceMs?: number): Promise<"graceful" | "forced">;
}

export async function startTransformerServer(concurrency = 4): Promise<TransformerServer> {
  const contracts = await loadContracts();
  const service = createTransformService({ concurrency });
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.transform, implementation: service.handlers }],
  });
  server.stopping.addEventListener("abort", () => void service.drain());
  server.health.setAllServing(true);
  return {
    server,
    service,
    async stop(graceMs = 5_000) {
      const how = await server.shutdown(graceMs);
      await service.drain();
      return how;
    },
  };
}
