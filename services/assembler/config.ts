import { HEALTH_PORT_SPEC, type OptionSpec } from "@laion-dl/config";
import { TELEMETRY_SPECS, type TelemetryConfig } from "@laion-dl/telemetry";

/** The assembler's flags and LAION_DL_* variables (the Kubernetes manifest test checks its env against these). */
export const ASSEMBLER_SPECS = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50053, min: 0, help: "gRPC port" },
  HEALTH_PORT_SPEC,
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "fetcher_addresses", kind: "string", default: undefined, help: "fetcher replicas: dns:///name:port or host:port,host:port" },
  { name: "transformer_addresses", kind: "string", default: undefined, help: "transformer replicas, same forms" },
  { name: "max_shards", kind: "int", default: 2, min: 1, help: "shards worked on at once" },
  { name: "window", kind: "int", default: 256, min: 1, help: "samples in flight before backpressure" },
  { name: "ack_wait_ms", kind: "int", default: 60_000, min: 100, help: "redelivery delay of a shard whose assembler went silent" },
  { name: "max_deliveries", kind: "int", default: 5, min: 1, max: 1_000, help: "deliveries a shard may fail on before it is parked and its job marked failed" },
  { name: "durable", kind: "string", default: "assemblers", help: "shared durable consumer name" },
  { name: "ready_timeout_ms", kind: "int", default: 60_000, min: 0, help: "time to wait for fetchers and transformers at boot" },
  ...TELEMETRY_SPECS,
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, help: "time allowed to finish shards on stop before handing them back" },
] as const satisfies readonly OptionSpec<string>[];

export interface AssemblerConfig extends TelemetryConfig {
  host: string;
  port: number;
  health_port: number;
  nats_url: string;
  fetcher_addresses: string;
  transformer_addresses: string;
  max_shards: number;
  window: number;
  ack_wait_ms: number;
  max_deliveries: number;
  durable: string;
  ready_timeout_ms: number;
  grace_ms: number;
}
