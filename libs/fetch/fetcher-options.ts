import type { DownloadOptions } from "@laion-dl/config";
import { isPrivateAddress } from "./address-guard.ts";
import type { FetcherOptions } from "./fetcher.ts";

/** The download options that shape HTTP, shared by the embedded mode and the fetcher service. */
export type HttpOptions = Pick<
  DownloadOptions,
  | "timeout"
  | "max_response_bytes"
  | "max_redirects"
  | "retries"
  | "user_agent_token"
  | "disallowed_header_directives"
  | "ignore_ssl_certificate"
  | "allow_private_network"
>;

export const HTTP_OPTION_NAMES: readonly (keyof HttpOptions)[] = [
  "timeout",
  "max_response_bytes",
  "max_redirects",
  "retries",
  "user_agent_token",
  "disallowed_header_directives",
  "ignore_ssl_certificate",
  "allow_private_network",
];

export function fetcherOptionsOf(options: HttpOptions): FetcherOptions {
  return {
    timeoutMs: options.timeout * 1000,
    maxBytes: options.max_response_bytes,
    maxRedirects: options.max_redirects,
    retries: options.retries,
    userAgentToken: options.user_agent_token,
    disallowedHeaderDirectives: options.disallowed_header_directives,
    ignoreTlsErrors: options.ignore_ssl_certificate,
    ...(options.allow_private_network ? {} : { refuseAddress: isPrivateAddress }),
  };
}
