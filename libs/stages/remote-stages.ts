import type { StageOptions } from "@laion-dl/config";
import { FetchFailure, type Download } from "@laion-dl/fetch";
import {
  clientTarget,
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  loadContracts,
  type FetchRequest,
  type FetchResponse__Output,
  type FetchServiceClient,
  type TransformRequest,
  type Failure__Output,
  type TransformResponse__Output,
  type TransformServiceClient,
  type TransportSecurity,
} from "@laion-dl/grpc";
import type { FetchedSample } from "@laion-dl/pipeline";
import { TransformFailure, type TransformedImage } from "@laion-dl/transform";
import { RemoteStageError } from "./errors.ts";
import { REFUSED_PREFIX } from "./fetch-service.ts";
import { createStreamPool, type StreamPool } from "./stream-pool.ts";
import { fetchOptionsToProto, transformOptionsToProto } from "./stage-options.ts";

export interface RemoteStagesOptions {
  /** Fetcher replicas: `dns:///fetcher.<ns>.svc.cluster.local:50051` (headless Service), or `host:port`s. */
  readonly fetcherAddresses: string | readonly string[];
  /** Absent for a fetch-only client (a transformer's own fetches): transforms then reject. */
  readonly transformerAddresses?: string | readonly string[];
  /** Sent with every transform request: the job's resize and encode options. */
  readonly transform?: StageOptions<"transform">;
  /** Sent with every fetch (and URL transform) request: the job's HTTP options. Absent: each fetch names its own. */
  readonly fetch?: StageOptions<"fetch">;
  /** Bidi streams kept open to each service; each is balanced to a replica when it opens. Default 4. */
  readonly streamsPerService?: number;
  /** TLS, client certificate and bearer token of both clients; default plaintext. */
  readonly security?: TransportSecurity;
  /** Largest message either way; default DEFAULT_MAX_MESSAGE_BYTES (48 MiB). */
  readonly maxMessageBytes?: number;
  /** How long a request may go unanswered, re-sends to other replicas included; default 120 s. */
  readonly requestTimeoutMs?: number;
  /** Streams are replaced when this old, to spread over replicas added since; default 60 s. */
  readonly maxStreamAgeMs?: number;
}

/** SampleStages (@laion-dl/pipeline) served by fetcher and transformer replicas over gRPC. */
export interface RemoteStages {
  /** The download, or a FetchFailure when the fetcher answered with a failure; `options` default to the stages'. */
  fetch(url: string, options?: StageOptions<"fetch">): Promise<Download>;
  /** The transformed image, or a TransformFailure when the transformer refused it. */
  transform(image: Buffer): Promise<TransformedImage>;
  /**
   * A transformer downloads the image through its fetchers and transforms it: the original
   * crosses one hop instead of two. A FetchFailure when the download failed.
   */
  fetchAndTransform(url: string, digestAlgorithms: readonly string[]): Promise<FetchedSample>;
  /** Requests sent and not answered yet, both services together. */
  inFlight(): number;
  /** Rejects pending requests with RemoteStageError, closes the streams and channels. */
  close(): Promise<void>;
}

/**
 * Keeps `streamsPerService` bidi streams open to each service and sends every fetch/transform on
 * the least busy one. A replica that goes away loses nothing: the requests it held are sent again
 * on the other streams (grpc-js round_robin leaves the dead address out of new streams), and only
 * rejected with a RemoteStageError when no replica answered within `requestTimeoutMs`.
 * In-band failures are the row's result: FetchFailure / TransformFailure, as the local stages throw.
 */
export function createRemoteStages(options: RemoteStagesOptions): RemoteStages {
  const streams = options.streamsPerService ?? 4;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const maxStreamAgeMs = options.maxStreamAgeMs ?? 60_000;
  const clientOptions = { maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, security: options.security };
  if (!Number.isSafeInteger(streams) || streams < 1) throw new RangeError(`Expected positive integer for streamsPerService but received ${streams}`);
  for (const [name, value] of [
    ["requestTimeoutMs", requestTimeoutMs],
    ["maxStreamAgeMs", maxStreamAgeMs],
  ] as const) {
    if (!(value > 0)) throw new RangeError(`Expected positive number for ${name} but received ${value}`);
  }
  const { transformerAddresses, transform } = options;
  clientTarget(options.fetcherAddresses); // throws GrpcTargetError now rather than on first use
  if (transformerAddresses !== undefined) clientTarget(transformerAddresses);
  if ((transformerAddresses === undefined) !== (transform === undefined)) {
    throw new RangeError("Expected transformerAddresses and transform together, or neither");
  }
  const transformOptions = transform && transformOptionsToProto(transform);
  const fetchOptions = options.fetch && fetchOptionsToProto(options.fetch);
  const fetchOptionsFor = (given: StageOptions<"fetch"> | undefined) => {
    const proto = given ? fetchOptionsToProto(given) : fetchOptions;
    if (!proto) throw new RemoteStageError("Expected the job's HTTP options for a fetch but these stages have none");
    return proto;
  };

  let closed = false;
  let fetchPool: StreamPool<FetchRequest, FetchResponse__Output> | undefined;
  let transformPool: StreamPool<TransformRequest, TransformResponse__Output> | undefined;
  const clients = loadContracts().then((contracts) => {
    const fetcher = createClient<FetchServiceClient>(contracts.fetch, options.fetcherAddresses, clientOptions);
    const transformer =
      transformerAddresses === undefined ? undefined : createClient<TransformServiceClient>(contracts.transform, transformerAddresses, clientOptions);
    const common = { streams, requestTimeoutMs, maxStreamAgeMs };
    fetchPool = createStreamPool({ ...common, name: "fetcher", open: () => fetcher.Fetch() });
    transformPool = transformer && createStreamPool({ ...common, name: "transformer", open: () => transformer.Transform() });
    if (closed) closePools();
    return { fetcher, transformer, fetchPool, transformPool };
  });
  clients.catch(() => {}); // surfaced by the first fetch/transform, not as an unhandled rejection

  const closePools = (): void => {
    fetchPool?.close();
    transformPool?.close();
  };

  const ready = async () => {
    const ready = await clients;
    if (closed) throw new RemoteStageError("Expected open remote stages but they are closed");
    return ready;
  };
  const transformer = async () => {
    const { transformPool } = await ready();
    if (!transformPool || !transformOptions) throw new RemoteStageError("Expected transformer addresses for a transform but these stages have none");
    return { transformPool, transformOptions };
  };

  const transformed = (response: TransformResponse__Output): TransformedImage => {
    if (response.result === "image" && response.image) {
      const { data, width, height, original_width, original_height, exif } = response.image;
      // Asked for but absent: the transformer could not read the block (null), as in-process.
      const exifColumn = transform?.extract_exif ? { exif: exif ?? null } : {};
      return { image: data, width, height, originalWidth: original_width, originalHeight: original_height, ...exifColumn };
    }
    if (response.result === "failure" && response.failure) throw new TransformFailure(response.failure.message);
    throw new RemoteStageError(`Expected an image or a failure from the transformer but received neither for request ${response.id}`);
  };

  return {
    async fetch(url, given) {
      const options = fetchOptionsFor(given);
      const response = await (await ready()).fetchPool.request((id) => ({ id, url, options }));
      if (response.result === "body" && response.body) return { body: response.body, retries: response.retries };
      if (response.result === "failure" && response.failure) throw fetchFailure(response.failure, response.retries);
      throw new RemoteStageError(`Expected a body or a failure from the fetcher but received neither for request ${response.id}`);
    },
    async transform(image) {
      const { transformPool, transformOptions } = await transformer();
      return transformed(await transformPool.request((id) => ({ id, image, options: transformOptions })));
    },
    async fetchAndTransform(url, digestAlgorithms) {
      const { transformPool, transformOptions } = await transformer();
      const fetch_options = fetchOptionsFor(undefined);
      const response = await transformPool.request((id) => ({ id, url, options: transformOptions, fetch_options, digest_algorithms: [...digestAlgorithms] }));
      const download = response.download;
      // No outcome: the transformer could not ask a fetcher (none answered); not the row's result.
      if (!download)
        throw new RemoteStageError(`Expected a download outcome from the transformer for request ${response.id}: ${response.failure?.message ?? "none given"}`);
      if (download.failure) throw fetchFailure(download.failure, download.retries);
      let image: TransformedImage | TransformFailure;
      try {
        image = transformed(response);
      } catch (error) {
        if (!(error instanceof TransformFailure)) throw error;
        image = error;
      }
      return { downloadedBytes: download.bytes, retries: download.retries, digests: download.digests, transformed: image };
    },
    inFlight: () => (fetchPool?.pending() ?? 0) + (transformPool?.pending() ?? 0),
    async close() {
      if (closed) return;
      closed = true;
      closePools();
      const channels = await clients.catch(() => undefined);
      channels?.fetcher.close();
      channels?.transformer?.close();
    },
  };
}

/**
 * A download's failure is the row's result, except a request the fetcher refused (options beyond its
 * policy, or malformed): that is the job's problem, so it fails the shard instead of marking rows.
 */
function fetchFailure({ message, retryable, retry_after_seconds }: Failure__Output, retries: number): FetchFailure | RemoteStageError {
  if (message.startsWith(REFUSED_PREFIX)) return new RemoteStageError(message);
  const failure = new FetchFailure(message, retryable, retry_after_seconds);
  failure.retries = retries;
  return failure;
}
