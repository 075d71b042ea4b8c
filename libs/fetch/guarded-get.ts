import { isIP } from "node:net";
import type { Readable } from "node:stream";
import { Agent, request } from "undici";
import { isPrivateAddress } from "./address-guard.ts";
import { BLOCKED_MESSAGE, createDnsLookup } from "./dns-cache.ts";
import { asFetchFailure, FetchFailure } from "./errors.ts";

export interface GuardedGetOptions {
  /** Loopback, private, link-local and metadata addresses are refused unless this is true. */
  readonly allowPrivateNetwork: boolean;
  /** Connect, headers and idle-body timeout, in ms (a manifest's body may take hours in all). */
  readonly timeoutMs: number;
  readonly maxRedirects?: number;
}

export interface GuardedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  /** After redirects. */
  readonly url: URL;
}

export interface GuardedClient {
  /** A streamed GET through the same address guard as image downloads; rejects with a FetchFailure. */
  get(url: string, headers?: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<GuardedResponse>;
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * For large files rather than images (manifests): no size cap and no overall deadline, but the
 * same refusals as the image fetcher: http/https only, every resolved address and IP literal
 * checked on the first request and after every redirect.
 */
export function createGuardedClient(options: GuardedGetOptions): GuardedClient {
  const refuseAddress = options.allowPrivateNetwork ? undefined : isPrivateAddress;
  const agent = new Agent({
    connect: { timeout: options.timeoutMs, lookup: createDnsLookup(refuseAddress ? { refuseAddress } : {}) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const maxRedirects = options.maxRedirects ?? 5;
  return {
    async get(url, headers = {}, signal) {
      let current = httpUrl(url);
      try {
        for (let redirects = 0; ; redirects++) {
          const host = current.hostname.replace(/^\[(.*)\]$/, "$1");
          if (refuseAddress && isIP(host) && refuseAddress(host)) throw new FetchFailure(BLOCKED_MESSAGE, false);
          const response = await request(current, { dispatcher: agent, headers, ...(signal ? { signal } : {}) });
          const location = response.headers.location;
          if (REDIRECT_STATUSES.has(response.statusCode) && typeof location === "string") {
            response.body.resume();
            if (redirects >= maxRedirects) throw new FetchFailure("too many redirects", false);
            current = httpUrl(location, current);
            continue;
          }
          return { status: response.statusCode, headers: response.headers, body: response.body, url: current };
        }
      } catch (error) {
        throw asFetchFailure(error);
      }
    },
    close: () => agent.close(),
  };
}

function httpUrl(url: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new FetchFailure("invalid URL", false);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new FetchFailure("unsupported URL scheme", false);
  return parsed;
}
