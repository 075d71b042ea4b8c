// Test-only helpers (not exported from mod.ts): tiny implementations of the streaming services,
// a one-request stream call, and buf curl.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ClientDuplexStream, ServerDuplexStream } from "@grpc/grpc-js";
import type { FetchRequest, FetchRequest__Output } from "./generated/laion_dl/v1/FetchRequest.ts";
import type { FetchResponse, FetchResponse__Output } from "./generated/laion_dl/v1/FetchResponse.ts";
import type { FetchServiceHandlers } from "./generated/laion_dl/v1/FetchService.ts";
import type { TransformRequest__Output } from "./generated/laion_dl/v1/TransformRequest.ts";
import type { TransformResponse } from "./generated/laion_dl/v1/TransformResponse.ts";
import type { TransformServiceHandlers } from "./generated/laion_dl/v1/TransformService.ts";

/** A FetchService whose "download" of a URL is the URL's bytes; counts the requests it served. */
export function echoFetch(): { handlers: FetchServiceHandlers; served: () => number } {
  let served = 0;
  const handlers: FetchServiceHandlers = {
    Fetch(call: ServerDuplexStream<FetchRequest__Output, FetchResponse>) {
      call.on("data", (request: FetchRequest__Output) => {
        served++;
        if (request.url.startsWith("fail:"))
          call.write({ id: request.id, failure: { message: request.url.slice(5), retryable: true, retry_after_seconds: 0 } });
        else call.write({ id: request.id, body: Buffer.from(request.url), retries: 0 });
      });
      call.on("end", () => call.end());
    },
  };
  return { handlers, served: () => served };
}

/** A TransformService that returns the image bytes it was sent, sized as options.image_size. */
export const echoTransform: TransformServiceHandlers = {
  Transform(call: ServerDuplexStream<TransformRequest__Output, TransformResponse>) {
    call.on("data", (request: TransformRequest__Output) => {
      const size = request.options?.image_size ?? 0;
      call.write({ id: request.id, image: { data: request.image, width: size, height: size, original_width: size, original_height: size } });
    });
    call.on("end", () => call.end());
  },
};

/** Sends each request on one stream, half-closes, and collects every response until the stream ends. */
export function callStream<Request, Response>(stream: ClientDuplexStream<Request, Response>, requests: readonly Request[]): Promise<Response[]> {
  return new Promise((resolve, reject) => {
    const responses: Response[] = [];
    stream.on("data", (response: Response) => responses.push(response));
    stream.on("error", reject);
    stream.on("end", () => resolve(responses));
    for (const request of requests) stream.write(request);
    stream.end();
  });
}

export type FetchStream = ClientDuplexStream<FetchRequest, FetchResponse__Output>;

const BUF = fileURLToPath(new URL("node_modules/.bin/buf", import.meta.url));

/** Runs the buf CLI (from @bufbuild/buf) asynchronously: a server under test may run in this process. */
export function buf(args: readonly string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BUF, args, { timeout: 8000, cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `buf curl` over plaintext HTTP/2 with the gRPC protocol: a client nobody here wrote (Go,
 * connect-go, protobuf-go's strict descriptor checks), schema from server reflection.
 */
export function bufCurl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return buf(["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "5s", ...args]);
}
