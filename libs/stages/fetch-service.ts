import type { Fetcher } from "@laion-dl/fetch";
import { toFailure, type FetchRequest__Output, type FetchResponse, type FetchServiceHandlers } from "@laion-dl/grpc";
import { createRequestStreamServer } from "./request-stream-server.ts";

export interface FetchServiceOptions {
  readonly fetcher: Fetcher;
  /** Downloads in flight at once, across every stream of the process. */
  readonly concurrency: number;
  /** Told the number of downloads in flight each time it changes. */
  onActivity?(inFlight: number): void;
}

export interface FetchService {
  /** Register with startGrpcServer: `{ definition: contracts.fetch, implementation: handlers }`. */
  readonly handlers: FetchServiceHandlers;
  /** Downloads in flight now. */
  inFlight(): number;
  /**
   * Stops reading requests, answers the downloads in flight, ends every stream. Wire it to
   * `server.stopping` so a shutdown ends the streams and can be graceful.
   */
  drain(): Promise<void>;
}

/**
 * laion_dl.v1.FetchService over a Fetcher: each request is downloaded as it arrives (at most
 * `concurrency` at once) and answered when done, `{id, body, retries}` or `{id, failure}` in band.
 */
export function createFetchService(options: FetchServiceOptions): FetchService {
  const { fetcher } = options;
  const server = createRequestStreamServer<FetchRequest__Output, FetchResponse>({
    concurrency: options.concurrency,
    async handle({ id, url }) {
      try {
        const { body, retries } = await fetcher.fetch(url);
        return { id, body, retries };
      } catch (error) {
        return { id, failure: toFailure(error) };
      }
    },
    onError: ({ id }, error) => ({ id, failure: { ...toFailure(error), retryable: true } }),
    ...(options.onActivity ? { onActivity: options.onActivity } : {}),
  });
  return {
    handlers: { Fetch: (call) => server.serve(call) },
    inFlight: server.inFlight,
    drain: server.drain,
  };
}
