import { availableParallelism, hostname } from "node:os";
import { HEALTH_PORT_SPEC, readServiceConfig, type OptionSpec } from "@laion-dl/config";
import type { StageServiceConfig } from "@laion-dl/stages";
import { TELEMETRY_SPECS } from "@laion-dl/telemetry";

export const TRANSFORMER_SPECS: readonly OptionSpec<string>[] = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50052, min: 0, help: "gRPC port" },
  HEALTH_PORT_SPEC,
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "instance", kind: "string", default: `${hostname()}-${process.pid}`, help: "name in signals and logs" },
  {
    name: "fetcher_addresses",
    kind: "string",
    default: undefined,
    help: "fetcher replicas for URL requests (dns:///name:port or host:port,host:port): originals go fetcher → transformer, not through the assembler",
  },
  {
    name: "concurrency",
    kind: "int",
    default: 2 * availableParallelism(),
    min: 1,
    help: "images transformed at once (default: twice the core count, which keeps every core busy)",
  },
  ...TELEMETRY_SPECS,
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, help: "time allowed to finish images in flight on stop" },
];

export interface TransformerConfig extends StageServiceConfig {
  readonly fetcher_addresses: string;
}

/** Flags, then LAION_DL_* variables, then defaults; throws an OptionError naming the bad one. */
export function readTransformerConfig(argv?: readonly string[], env?: NodeJS.ProcessEnv): TransformerConfig {
  return readServiceConfig(TRANSFORMER_SPECS, argv, env) as unknown as TransformerConfig;
}
