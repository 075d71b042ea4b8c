import type { StageOptions } from "@laion-dl/config";
import { isPrivateAddress } from "./address-guard.ts";
import type { Download, Fetcher, FetcherOptions } from "./fetcher.ts";

/** The download options that shape HTTP (the option table's fetch stage), shared by the embedded mode and the fetchers. */
export type HttpOptions = StageOptions<"fetch">;

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

export interface FetcherPool {
  fetch(url: string, options: HttpOptions): Promise<Download>;
  close(): Promise<void>;
}

/**
 * Fetchers for the jobs a fetcher service serves: one per distinct set of HTTP options (TLS checks
 * and the address guard live in the connection agent), the `max` most recently used kept. An
 * evicted fetcher finishes its downloads in flight, then closes.
 */
export function createFetcherPool(make: (options: HttpOptions) => Fetcher, max = 16): FetcherPool {
  const fetchers = new Map<string, Fetcher>();
  const closing: Promise<void>[] = [];
  return {
    fetch(url, options) {
      const key = JSON.stringify(options);
      let fetcher = fetchers.get(key);
      if (fetcher) fetchers.delete(key); // re-inserted last: the most recently used
      fetcher ??= make(options);
      fetchers.set(key, fetcher);
      for (const [oldKey, old] of fetchers) {
        if (fetchers.size <= max) break;
        fetchers.delete(oldKey);
        closing.push(old.close());
      }
      return fetcher.fetch(url);
    },
    async close() {
      await Promise.all([...closing, ...[...fetchers.values()].map((fetcher) => fetcher.close())]);
      fetchers.clear();
    },
  };
}
