import { FETCH_POLICY_SPECS, HEALTH_PORT_SPEC, type OptionSpec } from "@laion-dl/config";
import { TELEMETRY_SPECS } from "@laion-dl/telemetry";

/** Ingest's flags and LAION_DL_* variables (the Kubernetes manifest test checks its env against these). */
export const INGEST_SPECS: readonly OptionSpec[] = [
  { name: "host", kind: "string", default: "127.0.0.1", help: "address to listen on (beyond loopback: TLS or a token, or LAION_DL_INSECURE=True)" },
  { name: "port", kind: "int", default: 50050, min: 0, max: 65_535, help: "gRPC port" },
  HEALTH_PORT_SPEC,
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server(s), comma-separated" },
  { name: "max_outstanding", kind: "int", default: 64, min: 1, max: 1_000_000, help: "shards queued but unfinished before ingest pauses" },
  ...TELEMETRY_SPECS,
  { name: "grace_ms", kind: "int", default: 20_000, min: 0, max: 3_600_000, help: "time allowed to stop" },
  // Ingest's own limits (LAION_DL_LIMIT_*): SubmitJob refuses a job beyond them or beyond any running fetcher's.
  ...FETCH_POLICY_SPECS,
];
