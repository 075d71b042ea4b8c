import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { isIP } from "node:net";
import { pipeline, type Readable } from "node:stream";
import { Agent, request } from "undici";
import type { BodyLoan, ByteBudget } from "./byte-budget.ts";
import { BLOCKED_MESSAGE, createDnsLookup } from "./dns-cache.ts";
import { asFetchFailure, FetchFailure, httpError } from "./errors.ts";
import { createHostBackoff, type HostBackoff } from "./host-backoff.ts";
import { isDisallowedByRobots, ROBOTS_MESSAGE } from "./robots.ts";

export interface FetcherOptions {
  /** Overall deadline of one attempt (headers, redirects and body), in ms. */
  readonly timeoutMs: number;
  /** Cap on the (decoded) body; the download is aborted past it. */
  readonly maxBytes: number;
  readonly maxRedirects: number;
  /** Extra attempts after a retryable failure (img2dataset's --retries). */
  readonly retries: number;
  readonly userAgentToken: string | null;
  readonly disallowedHeaderDirectives: readonly string[];
  /**
   * Destinations refused before connecting (e.g. isPrivateAddress): every address a name resolves
   * to, and IP-literal hosts, on the first request and after every redirect. Unset: none refused.
   */
  readonly refuseAddress?: (address: string) => boolean;
  /** Accept any TLS certificate (img2dataset's --ignore_ssl_certificate). */
  readonly ignoreTlsErrors?: boolean;
  /** First retry waits this long, doubling each time (plus jitter); Retry-After wins when longer. */
  readonly retryBaseDelayMs?: number;
  /** Connections to one origin at most (default 32); the embedded mode passes thread_count. */
  readonly maxConnectionsPerOrigin?: number;
  /** Caps the body bytes held at once, over every download of this fetcher; unset: no cap. */
  readonly bodyBudget?: ByteBudget;
  /** Shared per-host pauses; a fleet passes one fed by its peers' signals. */
  readonly hostBackoff?: HostBackoff;
  /** Told when a host answers 429/503, with the time until which it should be left alone. */
  onThrottled?(host: string, untilEpochMs: number): void;
}

export interface Download {
  readonly body: Buffer;
  /** Attempts beyond the first that this download needed. */
  readonly retries: number;
  /** Frees the body's share of the fetcher's byte budget: call once the body is no longer needed. */
  readonly release?: () => void;
}

/** Hex digests of a downloaded body, one per algorithm name (hashlib's names: sha256, md5, …). */
export function digestsOf(body: Buffer, algorithms: readonly string[]): Record<string, string> {
  return Object.fromEntries(algorithms.map((algorithm) => [algorithm, createHash(algorithm).update(body).digest("hex")]));
}

export interface Fetcher {
  /** Resolves with the body, or rejects with a FetchFailure whose message is the error_message. */
  fetch(url: string): Promise<Download>;
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_RETRY_AFTER_S = 60;
const THROTTLE_STATUSES = new Set([429, 503]);
const BROWSER_USER_AGENT = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0";

export function createFetcher(options: FetcherOptions): Fetcher {
  const agent = new Agent({
    // Per origin. Hung and dripping servers hold their connection until the deadline, so a low cap
    // throttles every other URL of a busy host (with 32, five per cent of hung URLs on one host
    // held the whole run to ~45 rows/s); the caller's window bounds the total instead.
    connections: options.maxConnectionsPerOrigin ?? 32,
    keepAliveTimeout: 10_000,
    connect: {
      timeout: options.timeoutMs,
      lookup: createDnsLookup(options.refuseAddress ? { refuseAddress: options.refuseAddress } : {}),
      rejectUnauthorized: !options.ignoreTlsErrors,
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const userAgent = options.userAgentToken
    ? `${BROWSER_USER_AGENT} (compatible; ${options.userAgentToken}; +https://github.com/laion-dl/laion-dl)`
    : BROWSER_USER_AGENT;
  const baseDelay = options.retryBaseDelayMs ?? 250;
  const hostBackoff = options.hostBackoff ?? createHostBackoff();

  async function attempt(url: string, loan: BodyLoan | undefined): Promise<Buffer> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let current = parseHttpUrl(url);
    const visited = new Set<string>();
    for (let redirects = 0; ; redirects++) {
      refuseLiteral(current);
      visited.add(current.href);
      await hostBackoff.wait(current.host);
      const response = await request(current, {
        dispatcher: agent,
        signal,
        headers: { "user-agent": userAgent, "accept-encoding": "gzip, deflate, br" },
      });
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(response.statusCode) && typeof location === "string") {
        discard(response.body);
        const next = parseHttpUrl(location, current);
        // A loop fails at once instead of spending the whole budget going round it.
        if (redirects >= options.maxRedirects || visited.has(next.href)) throw new FetchFailure("too many redirects", false);
        current = next;
        continue;
      }
      if (response.statusCode !== 200) {
        discard(response.body);
        const retryAfter = retryAfterSeconds(response.headers["retry-after"]);
        if (THROTTLE_STATUSES.has(response.statusCode)) {
          const until = Date.now() + Math.min(retryAfter ?? baseDelay / 1000, MAX_RETRY_AFTER_S) * 1000;
          hostBackoff.hold(current.host, until);
          options.onThrottled?.(current.host, until);
        }
        throw httpError(response.statusCode, retryAfter);
      }
      const robots = response.headers["x-robots-tag"];
      if (robots !== undefined) {
        const values = Array.isArray(robots) ? robots : [robots];
        if (isDisallowedByRobots(values, options.userAgentToken, options.disallowedHeaderDirectives)) {
          discard(response.body);
          throw new FetchFailure(ROBOTS_MESSAGE, false);
        }
      }
      const declared = Number(response.headers["content-length"]);
      const encoding = String(response.headers["content-encoding"] ?? "identity").toLowerCase();
      if (encoding === "identity" && declared > options.maxBytes) {
        discard(response.body);
        throw new FetchFailure("response too large", false);
      }
      const body = decode(response.body, encoding);
      return readCapped(body, { maxBytes: options.maxBytes, declaredBytes: encoding === "identity" ? declared : 0, loan, signal });
    }
  }

  /** Names go through the guarded lookup; an IP literal never does (net.connect skips lookup for it). */
  function refuseLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    if (options.refuseAddress && isIP(host) && options.refuseAddress(host)) throw new FetchFailure(BLOCKED_MESSAGE, false);
  }

  return {
    async fetch(url) {
      for (let retries = 0; ; retries++) {
        const loan = options.bodyBudget?.open();
        try {
          const body = await attempt(url, loan);
          if (!loan) return { body, retries };
          loan.finish();
          return { body, retries, release: () => loan.close() };
        } catch (error) {
          loan?.close();
          const failure = asFetchFailure(error);
          if (!failure.retryable || retries >= options.retries) {
            failure.retries = retries;
            throw failure;
          }
          const backoff = baseDelay * 2 ** retries * (1 + Math.random() / 2);
          const wait = Math.min(Math.max(backoff, (failure.retryAfter ?? 0) * 1000), MAX_RETRY_AFTER_S * 1000);
          await sleep(wait);
        }
      }
    },
    close: () => agent.close(),
  };
}

function parseHttpUrl(url: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new FetchFailure("invalid URL", false);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new FetchFailure("unsupported URL scheme", false);
  }
  return parsed;
}

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function decode(body: Readable, encoding: string): Readable {
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : null;
  // pipeline() destroys both sides on an error either side, so a timeout ends the decoder too.
  return decoder ? pipeline(body, decoder, () => {}) : body;
}

interface ReadLimits {
  readonly maxBytes: number;
  /** Content-Length of an unencoded body, else 0. */
  readonly declaredBytes: number;
  /** This download's share of the byte budget, grown before bytes are kept. */
  readonly loan: BodyLoan | undefined;
  /** The download's deadline, which also ends a wait for budget. */
  readonly signal: AbortSignal;
}

/** Collects a body, aborting once it passes the cap: decoded bytes count, so bombs stop early. */
async function readCapped(body: Readable, limits: ReadLimits): Promise<Buffer> {
  const { maxBytes, declaredBytes, loan, signal } = limits;
  // A declared length lets the body land in one buffer: no chunk list to keep and join (GC).
  if (declaredBytes > 0 && declaredBytes <= maxBytes) return readDeclared(body, limits);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new FetchFailure("response too large", false);
      const wait = loan?.grow(chunk.length, signal);
      if (wait) await wait;
      chunks.push(chunk);
    }
  } finally {
    if (!body.readableEnded) discard(body);
  }
  return Buffer.concat(chunks, total);
}

async function readDeclared(body: Readable, limits: ReadLimits): Promise<Buffer> {
  const { maxBytes, declaredBytes, loan, signal } = limits;
  // The whole body is taken from the budget at once: one wait instead of one per chunk.
  const wait = loan?.grow(declaredBytes, signal);
  if (wait) {
    try {
      await wait;
    } catch (error) {
      discard(body);
      throw error;
    }
  }
  let buffer = Buffer.allocUnsafe(declaredBytes);
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (total + chunk.length > buffer.length) {
        // More than declared (undici normally refuses this): fall back to growing, still capped.
        if (total + chunk.length > maxBytes) throw new FetchFailure("response too large", false);
        const more = loan?.grow(chunk.length, signal);
        if (more) await more;
        buffer = Buffer.concat([buffer.subarray(0, total), chunk]);
        total = buffer.length;
        continue;
      }
      chunk.copy(buffer, total);
      total += chunk.length;
    }
  } finally {
    if (!body.readableEnded) discard(body);
  }
  return total === buffer.length ? buffer : buffer.subarray(0, total);
}

/** Drops a body we will not read; undici reports an aborted body as an error, which is expected here. */
function discard(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}
