import { STATUS_CODES } from "node:http";

/**
 * A download that did not give image bytes. `message` is the sample's error_message: short,
 * stable and greppable. `retryable` marks failures worth another attempt (network, 5xx, 429).
 */
export class FetchFailure extends Error {
  override readonly name = "FetchFailure";
  /** Extra attempts made before giving up (set by the fetcher). */
  retries = 0;
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Seconds the server asked us to wait (Retry-After), when it did. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** img2dataset's wording (Python's urllib): "HTTP Error 404: Not Found". */
export function httpError(status: number, retryAfter?: number): FetchFailure {
  const retryable = status >= 500 || status === 429 || status === 408;
  return new FetchFailure(`HTTP Error ${status}: ${STATUS_CODES[status] ?? "Unknown"}`, retryable, retryAfter);
}

const NETWORK_MESSAGES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  UND_ERR_SOCKET: "connection reset",
  ENOTFOUND: "DNS lookup failed",
  EAI_AGAIN: "DNS lookup failed (temporary)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  UND_ERR_ABORTED: "timeout",
  ABORT_ERR: "timeout",
  UND_ERR_INFO: "invalid HTTP response",
  HPE_INVALID_CONSTANT: "invalid HTTP response",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "truncated response",
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: "truncated response",
  Z_DATA_ERROR: "invalid Content-Encoding",
  Z_BUF_ERROR: "invalid Content-Encoding",
};

/** Maps whatever undici, the socket or zlib threw into a FetchFailure. */
export function asFetchFailure(error: unknown): FetchFailure {
  if (error instanceof FetchFailure) return error;
  const err = error as { code?: string; name?: string; cause?: unknown; message?: string };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return new FetchFailure("timeout", true);
  const code = err?.code ?? (err?.cause as { code?: string } | undefined)?.code;
  const known = code ? NETWORK_MESSAGES[code] : undefined;
  if (known) return new FetchFailure(known, !known.startsWith("invalid"));
  if (code?.startsWith("ERR_TLS") || code?.includes("CERT")) return new FetchFailure(`TLS error (${code})`, false);
  return new FetchFailure(`download error: ${code ?? err?.message ?? String(error)}`, true);
}
