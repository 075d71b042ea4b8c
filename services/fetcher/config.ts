import { hostname } from "node:os";
import { DOWNLOAD_OPTION_SPECS, readServiceConfig, type OptionSpec } from "@laion-dl/config";

/** The download options a fetcher applies to every request, as the embedded mode names them. */
const HTTP_OPTIONS = ["timeout", "retries", "max_response_bytes", "user_agent_token", "disallowed_header_directives", "allow_private_network"] as const;

export const FETCHER_SPECS: readonly OptionSpec<string>[] = [
  { name: "host", kind: "string", default: "0.0.0.0", help: "address to listen on" },
  { name: "port", kind: "int", default: 50051, min: 0, help: "gRPC port" },
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "instance", kind: "string", default: `${hostname()}-${process.pid}`, help: "name in signals and logs" },
  { name: "concurrency", kind: "int", default: 128, min: 1, help: "downloads in flight at once, over every stream" },
  ...DOWNLOAD_OPTION_SPECS.filter((spec) => (HTTP_OPTIONS as readonly string[]).includes(spec.name)),
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, help: "time allowed to finish downloads in flight on stop" },
];

export interface FetcherConfig {
  readonly host: string;
  readonly port: number;
  readonly nats_url: string;
  readonly instance: string;
  readonly concurrency: number;
  /** Seconds. */
  readonly timeout: number;
  readonly retries: number;
  readonly max_response_bytes: number;
  readonly user_agent_token: string | null;
  readonly disallowed_header_directives: readonly string[];
  readonly allow_private_network: boolean;
  readonly grace_ms: number;
}

/** Flags, then LAION_DL_* variables, then defaults; throws an OptionError naming the bad one. */
export function readFetcherConfig(argv?: readonly string[], env?: NodeJS.ProcessEnv): FetcherConfig {
  return readServiceConfig(FETCHER_SPECS, argv, env) as unknown as FetcherConfig;
}
