import { hostname } from "node:os";
import { FETCH_POLICY_SPECS, HEALTH_PORT_SPEC, fetchPolicyOf, readServiceConfig, type FetchPolicy, type OptionSpec } from "@laion-dl/config";
import type { StageServiceConfig } from "@laion-dl/stages";
import { TELEMETRY_SPECS } from "@laion-dl/telemetry";

export const FETCHER_SPECS: readonly OptionSpec<string>[] = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50051, min: 0, max: 65_535, help: "gRPC port" },
  HEALTH_PORT_SPEC,
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "instance", kind: "string", default: `${hostname()}-${process.pid}`, help: "name in signals and logs" },
  { name: "concurrency", kind: "int", default: 128, min: 1, max: 65_536, help: "downloads in flight at once, over every stream" },
  // Each request carries its job's HTTP options; these are the most a job may ask for.
  ...FETCH_POLICY_SPECS,
  ...TELEMETRY_SPECS,
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, max: 3_600_000, help: "time allowed to finish downloads in flight on stop" },
];

export interface FetcherConfig extends StageServiceConfig {
  readonly concurrency: number;
}

/** Flags, then LAION_DL_* variables, then defaults; throws an OptionError naming the bad one. */
export function readFetcherConfig(argv?: readonly string[], env?: NodeJS.ProcessEnv): { config: FetcherConfig; policy: FetchPolicy } {
  const values = readServiceConfig(FETCHER_SPECS, argv, env);
  return { config: values as unknown as FetcherConfig, policy: fetchPolicyOf(values) };
}
