export { createFetcher, digestsOf, type Download, type Fetcher, type FetcherOptions } from "./fetcher.ts";
export { FetchFailure } from "./errors.ts";
export { isDisallowedByRobots, ROBOTS_MESSAGE } from "./robots.ts";
export { createHostBackoff, type HostBackoff } from "./host-backoff.ts";
export { isPrivateAddress } from "./address-guard.ts";
export { createFetcherPool, fetcherOptionsOf, type FetcherPool, type HttpOptions } from "./fetcher-options.ts";
export { createGuardedClient, type GuardedClient, type GuardedGetOptions, type GuardedResponse } from "./guarded-get.ts";
export { createByteBudget, type ByteBudget, type BodyLoan } from "./byte-budget.ts";
