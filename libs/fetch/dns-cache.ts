import type { LookupAddress, LookupOptions } from "node:dns";
import { lookup } from "node:dns/promises";
import { FetchFailure } from "./errors.ts";

export interface DnsCacheOptions {
  /** How long an answer is reused, whatever the record's own TTL; failures are kept a tenth as long. */
  readonly ttlMs?: number;
  /** Names kept at most; the oldest answer is dropped first. */
  readonly maxEntries?: number;
  /** Resolved addresses that must not be connected to (e.g. isPrivateAddress). */
  readonly refuseAddress?: (address: string) => boolean;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect / undici's `connect` option: cached, and guarded on every address. */
export type ConnectLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export const BLOCKED_MESSAGE = "blocked private address";

/**
 * In-process DNS answers with a bounded lifetime: a LAION shard hits the same few thousand hosts
 * over and over, and getaddrinfo runs on libuv's small thread pool. Concurrent lookups of one name
 * share one query. When `refuseAddress` is given, a name is refused if any address it resolves to
 * is refused, so a name with one public and one private answer cannot be used to reach the latter.
 */
export function createDnsLookup(options: DnsCacheOptions = {}): ConnectLookup {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { expires: number; answer: Promise<LookupAddress[]> }>();

  const resolve = (hostname: string): Promise<LookupAddress[]> => {
    const now = Date.now();
    const cached = cache.get(hostname);
    if (cached && cached.expires > now) return cached.answer;
    cache.delete(hostname);
    const answer = lookup(hostname, { all: true, verbatim: true });
    const entry = { expires: now + ttlMs, answer };
    answer.catch(() => (entry.expires = Math.min(entry.expires, Date.now() + ttlMs / 10)));
    cache.set(hostname, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return answer;
  };

  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        if (options.refuseAddress && all.some(({ address }) => options.refuseAddress!(address))) {
          callback(new FetchFailure(BLOCKED_MESSAGE, false), "");
          return;
        }
        const family = lookupOptions.family === "IPv4" ? 4 : lookupOptions.family === "IPv6" ? 6 : lookupOptions.family;
        const usable = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const first = usable[0];
        if (!first) callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
        else if (lookupOptions.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}
