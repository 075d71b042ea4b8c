import { availableParallelism } from "node:os";
import sharp from "sharp";
import { OptionError, type StageOptions } from "@laion-dl/config";
import { digestsOf, FetchFailure, type Download } from "@laion-dl/fetch";
import { toFailure, type TransformRequest__Output, type TransformResponse, type TransformServiceHandlers } from "@laion-dl/grpc";
import { createLimiter, QUEUED_PER_WORKER, transformOptionsOf } from "@laion-dl/pipeline";
import { TransformFailure, transformImage } from "@laion-dl/transform";
import { timed, type StageMeter } from "@laion-dl/telemetry";
import { createRequestStreamServer } from "./request-stream-server.ts";
import { fetchOptionsFromProto, transformOptionsFromProto } from "./stage-options.ts";

export interface TransformServiceOptions {
  /** Images transformed at once; default the core count (one libvips thread each). */
  readonly concurrency?: number;
  /** Downloads the image of a `url` request (the fetcher fleet); without it such requests fail. */
  readonly fetch?: (url: string, options: StageOptions<"fetch">) => Promise<Download>;
  /**
   * Requests worked on at once, downloads included. Default: with `fetch`, 256 (an assembler's
   * window: downloads wait on the network, not on this machine); without, `concurrency`, so that
   * images sent in requests wait in the caller rather than here.
   */
  readonly maxRequests?: number;
  /** Times and counts the image transforms (laion_dl_transform_*). */
  readonly meter?: StageMeter;
}

export interface TransformService {
  /** Register with startGrpcServer: `{ definition: contracts.transform, implementation: handlers }`. */
  readonly handlers: TransformServiceHandlers;
  readonly concurrency: number;
  /** Images being transformed or waiting for a slot (downloads in progress are not load on this service). */
  inFlight(): number;
  /** The inFlight() of a fully loaded service: every slot busy and a few images queued for each. */
  readonly capacity: number;
  /** Stops reading requests, answers the requests in flight, ends every stream. */
  drain(): Promise<void>;
}

const DEFAULT_MAX_REQUESTS = 256;

/**
 * laion_dl.v1.TransformService over transformImage. A refused image (TransformFailure) is answered
 * in band with `retryable: false`; anything unexpected with `retryable: true`, and the stream stays up.
 * A `url` request is downloaded through `fetch` first, outside the image slots, and answered with
 * its DownloadOutcome: a download failure in band, the digests asked for, then the image.
 * Sets sharp to one libvips thread per image and no cache: many images at once scale better, and
 * the parallelism is this service's `concurrency` (bounded in turn by UV_THREADPOOL_SIZE).
 */
export function createTransformService(options: TransformServiceOptions = {}): TransformService {
  const concurrency = options.concurrency ?? availableParallelism();
  sharp.cache(false);
  sharp.concurrency(1);
  const imageSlots = createLimiter(concurrency);

  const transformed = async (id: number, image: Buffer, proto: TransformRequest__Output["options"]): Promise<TransformResponse> => {
    await imageSlots.acquire();
    try {
      const result = await timed(options.meter, () => transformImage(image, transformOptionsOf(transformOptionsFromProto(proto))));
      return {
        id,
        image: {
          data: result.image,
          width: result.width,
          height: result.height,
          original_width: result.originalWidth,
          original_height: result.originalHeight,
          ...(typeof result.exif === "string" ? { exif: result.exif } : {}),
        },
      };
    } catch (error) {
      if (error instanceof TransformFailure) return { id, failure: { message: error.message, retryable: false } };
      throw error;
    } finally {
      imageSlots.release();
    }
  };

  const downloadedThenTransformed = async (request: TransformRequest__Output & { url: string }): Promise<TransformResponse> => {
    if (!options.fetch) throw new Error("Expected a fetcher for url requests but this transformer has none");
    let fetchOptions: StageOptions<"fetch">;
    try {
      fetchOptions = fetchOptionsFromProto(request.fetch_options);
    } catch (error) {
      // Not the row's result (no download outcome): the request itself is wrong.
      if (error instanceof OptionError) return { id: request.id, failure: { message: error.message, retryable: false } };
      throw error;
    }
    let download: Download;
    try {
      download = await options.fetch(request.url, fetchOptions);
    } catch (error) {
      if (!(error instanceof FetchFailure)) throw error;
      return { id: request.id, download: { bytes: 0, retries: error.retries, failure: toFailure(error) } };
    }
    const outcome = { bytes: download.body.length, retries: download.retries, digests: digestsOf(download.body, request.digest_algorithms) };
    try {
      return { ...(await transformed(request.id, download.body, request.options)), download: outcome };
    } catch (error) {
      // Downloaded, then something unexpected: answered like an image request's, with the outcome.
      return { id: request.id, failure: { ...toFailure(error), retryable: true }, download: outcome };
    }
  };

  const server = createRequestStreamServer<TransformRequest__Output, TransformResponse>({
    concurrency: options.maxRequests ?? (options.fetch ? DEFAULT_MAX_REQUESTS : concurrency),
    handle: (request) =>
      request.source === "url" && request.url !== undefined
        ? downloadedThenTransformed({ ...request, url: request.url })
        : transformed(request.id, request.image ?? Buffer.alloc(0), request.options),
    onError: ({ id }, error) => ({ id, failure: { ...toFailure(error), retryable: true } }),
  });
  return {
    handlers: { Transform: (call) => server.serve(call) },
    concurrency,
    inFlight: () => imageSlots.active + imageSlots.waiting,
    // Full once each slot has its share of queued images, the embedded body window's rule: full at
    // every slot busy, assemblers shrank their windows to 8 within 12 s while this was merely fed.
    capacity: concurrency * (1 + QUEUED_PER_WORKER),
    drain: server.drain,
  };
}
