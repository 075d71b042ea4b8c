// Test-only helpers (not exported from mod.ts): real fetcher/transformer gRPC servers in this process.
import { createFetcher, type Download, type Fetcher, type FetcherOptions } from "@laion-dl/fetch";
import { DEFAULT_MAX_MESSAGE_BYTES, loadContracts, startGrpcServer, type GrpcServer } from "@laion-dl/grpc";
import type { TransformOptions } from "@laion-dl/transform";
import { createFetchService, type FetchService } from "./fetch-service.ts";
import { createTransformService, type TransformService } from "./transform-service.ts";

export const FETCHER_OPTIONS: FetcherOptions = {
  timeoutMs: 5_000,
  maxBytes: 32 * 1024 * 1024,
  maxRedirects: 5,
  retries: 0,
  userAgentToken: null,
  disallowedHeaderDirectives: ["noai", "noimageai", "noindex", "noimageindex"],
};

export const TRANSFORM_OPTIONS: TransformOptions = {
  imageSize: 256,
  resizeMode: "border",
  resizeOnlyIfBigger: false,
  minImageSize: 0,
  maxImageArea: Infinity,
  maxAspectRatio: Infinity,
  encodeFormat: "jpg",
  encodeQuality: 95,
};

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
  const real = createFetcher(FETCHER_OPTIONS);
  let served = 0;
  const fetcher: Fetcher = {
    fetch(url: string): Promise<Download> {
      served++;
      return real.fetch(url);
    },
    close: () => real.close(),
  };
  const service = createFetchService({ fetcher, concurrency });
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
      await real.close();
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
