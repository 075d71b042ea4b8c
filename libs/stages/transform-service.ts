import { availableParallelism } from "node:os";
import sharp from "sharp";
import { toFailure, type TransformRequest__Output, type TransformResponse, type TransformServiceHandlers } from "@laion-dl/grpc";
import { TransformFailure, transformImage } from "@laion-dl/transform";
import { createRequestStreamServer } from "./request-stream-server.ts";
import { transformOptionsFromProto } from "./transform-options.ts";

export interface TransformServiceOptions {
  /** Images transformed at once; default the core count (one libvips thread each). */
  readonly concurrency?: number;
  onActivity?(inFlight: number): void;
}

export interface TransformService {
  /** Register with startGrpcServer: `{ definition: contracts.transform, implementation: handlers }`. */
  readonly handlers: TransformServiceHandlers;
  readonly concurrency: number;
  inFlight(): number;
  /** Stops reading requests, answers the images in flight, ends every stream. */
  drain(): Promise<void>;
}

/**
 * laion_dl.v1.TransformService over transformImage. A refused image (TransformFailure) is answered
 * in band with `retryable: false`; anything unexpected with `retryable: true`, and the stream stays up.
 * Sets sharp to one libvips thread per image and no cache: many images at once scale better, and
 * the parallelism is this service's `concurrency` (bounded in turn by UV_THREADPOOL_SIZE).
 */
export function createTransformService(options: TransformServiceOptions = {}): TransformService {
  const concurrency = options.concurrency ?? availableParallelism();
  sharp.cache(false);
  sharp.concurrency(1);
  const server = createRequestStreamServer<TransformRequest__Output, TransformResponse>({
    concurrency,
    async handle({ id, image, options: proto }) {
      try {
        const result = await transformImage(image, transformOptionsFromProto(proto));
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
      }
    },
    onError: ({ id }, error) => ({ id, failure: { ...toFailure(error), retryable: true } }),
    ...(options.onActivity ? { onActivity: options.onActivity } : {}),
  });
  return {
    handlers: { Transform: (call) => server.serve(call) },
    concurrency,
    inFlight: server.inFlight,
    drain: server.drain,
  };
}
