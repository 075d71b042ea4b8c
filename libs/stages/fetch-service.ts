import { OptionError, policyViolations, type FetchPolicy } from "@laion-dl/config";
import type { FetcherPool } from "@laion-dl/fetch";
import { toFailure, type FetchRequest__Output, type FetchResponse, type FetchServiceHandlers } from "@laion-dl/grpc";
import { timed, type StageMeter } from "@laion-dl/telemetry";
import { createRequestStreamServer } from "./request-stream-server.ts";
import { fetchOptionsFromProto } from "./stage-options.ts";

export interface FetchServiceOptions {
  /** Downloads each request with its job's HTTP options. */
  readonly fetchers: FetcherPool;
  /** The operator's limits: a request asking for more is refused, never adjusted. */
  readonly policy: FetchPolicy;
  /** Downloads in flight at once, across every stream of the process. */
  readonly concurrency: number;
  /** Told the number of downloads in flight each time it changes. */
  onActivity?(inFlight: number): void;
  /** Times and counts the downloads (laion_dl_fetch_*, laion_dl_downloaded_bytes_total). */
  readonly meter?: StageMeter;
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

/** The message of a request refused before any download: malformed options, or options beyond the policy. */
export const REFUSED_PREFIX = "refused by the fetcher: ";

/**
 * laion_dl.v1.FetchService over a pool of fetchers: each request is downloaded with the HTTP
 * options it carries as it arrives (at most `concurrency` at once) and answered when done,
 * `{id, body, retries}` or `{id, failure}` in band. A request whose options are malformed or
 * exceed the policy is answered with a non-retryable failure naming the option and the limit.
 */
export function createFetchService(options: FetchServiceOptions): FetchService {
  const { fetchers, policy } = options;
  const server = createRequestStreamServer<FetchRequest__Output, FetchResponse>({
    concurrency: options.concurrency,
    async handle({ id, url, options: proto }) {
      let http;
      try {
        http = fetchOptionsFromProto(proto);
      } catch (error) {
        if (error instanceof OptionError) return { id, failure: { message: REFUSED_PREFIX + error.message, retryable: false } };
        throw error;
      }
      const violations = policyViolations(policy, http);
      if (violations.length > 0) return { id, failure: { message: REFUSED_PREFIX + violations.join("; "), retryable: false } };
      try {
        const { body, retries } = await timed(
          options.meter,
          () => fetchers.fetch(url, http),
          (done) => done.body.length,
        );
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
