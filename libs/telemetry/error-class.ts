/**
 * The kinds of sample failure counted in `laion_dl_sample_failures_total{error_class}`: one label
 * value per kind of `error_message`, never the message itself (it may name a host or a code).
 */
export const ERROR_CLASSES = [
  "http_4xx",
  "http_5xx",
  "timeout",
  "dns",
  "connection",
  "tls",
  "too_large",
  "redirects",
  "robots",
  "blocked",
  "invalid_url",
  "bad_row",
  "hash_mismatch",
  "decode",
  "unsupported_format",
  "too_small",
  "image_too_large",
  "aspect_ratio",
  "other",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Message prefixes (as laion-dl writes them into `error_message`) and their class; first match wins. */
const PREFIXES: readonly (readonly [string, ErrorClass])[] = [
  ["HTTP Error 4", "http_4xx"],
  ["HTTP Error 5", "http_5xx"],
  ["timeout", "timeout"],
  ["DNS lookup failed", "dns"],
  ["connection ", "connection"],
  ["host unreachable", "connection"],
  ["network unreachable", "connection"],
  ["truncated response", "connection"],
  ["invalid HTTP response", "connection"],
  ["download error", "connection"],
  ["TLS error", "tls"],
  ["response too large", "too_large"],
  ["too many redirects", "redirects"],
  ["Use of image disallowed", "robots"],
  ["blocked private address", "blocked"],
  ["invalid URL", "invalid_url"],
  ["unsupported URL scheme", "invalid_url"],
  ["missing url", "invalid_url"],
  ["url is not a string", "invalid_url"],
  ["invalid JSON row", "bad_row"],
  ["caption ", "bad_row"],
  ["hash mismatch", "hash_mismatch"],
  ["Image decoding error", "decode"],
  ["invalid Content-Encoding", "decode"],
  ["unsupported image format", "unsupported_format"],
  ["image too small", "too_small"],
  ["image area too large", "image_too_large"],
  ["image exceeds pixel limit", "image_too_large"],
  ["aspect ratio too large", "aspect_ratio"],
];

/** The class of an `error_message`; "other" for anything this table does not know. */
export function errorClassOf(message: string): ErrorClass {
  for (const [prefix, errorClass] of PREFIXES) if (message.startsWith(prefix)) return errorClass;
  return "other";
}
