import { hostname } from "node:os";
import { DOWNLOAD_OPTION_SPECS, readServiceConfig, type OptionSpec } from "@laion-dl/config";
import { HTTP_OPTION_NAMES, type HttpOptions } from "@laion-dl/fetch";
import type { StageServiceConfig } from "@laion-dl/stages";


export const FETCHER_SPECS: readonly OptionSpec<string>[] = [
  { name: "host", kind: "string", default: "0.0.0.0", help: "address to listen on" },
  { name: "port", kind: "int", default: 50051, min: 0, help: "gRPC port" },
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "instance", kind: "string", default: `${hostname()}-${process.pid}`, help: "name in signals and logs" },
  { name: "concurrency", kind: "int", default: 128, min: 1, help: "downloads in flight at once, over every stream" },
  // The download options a fetcher applies to every request, as the embedded mode names them.
  ...DOWNLOAD_OPTION_SPECS.filter((spec) => (HTTP_OPTION_NAMES as readonly string[]).includes(spec.name)),
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, help: "time allowed to finish downloads in flight on stop" },
];

export interface FetcherConfig extends StageServiceConfig, HttpOptions {}

/** Flags, then LAION_DL_* variables, then defaults; throws an OptionError naming the bad one. */
export function readFetcherConfig(argv?: readonly string[], env?: NodeJS.ProcessEnv): FetcherConfig {
  return readServiceConfig(FETCHER_SPECS, argv, env) as unknown as FetcherConfig;
}
