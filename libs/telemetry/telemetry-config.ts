import type { OptionSpec } from "@laion-dl/config";
import type { Logger } from "./logger.ts";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { startMetricsServer } from "./metrics-server.ts";

/** Every service's telemetry options (LAION_DL_METRICS_PORT, LAION_DL_LOG_LEVEL or the flags). */
export const TELEMETRY_SPECS = [
  { name: "metrics_port", kind: "int", default: 0, min: 0, max: 65_535, help: "HTTP port serving GET /metrics (Prometheus text); 0: none" },
  { name: "log_level", kind: LOG_LEVELS, default: "info", help: "least severe log lines written" },
] as const satisfies readonly OptionSpec<string>[];

export interface TelemetryConfig {
  readonly host: string;
  readonly metrics_port: number;
  readonly log_level: LogLevel;
}

export interface Telemetry {
  /** Absent when metrics_port is 0: nothing is counted, and prom-client is never loaded. */
  readonly metrics: Metrics | undefined;
  close(): Promise<void>;
}

/**
 * Applies a service's telemetry config: the log level (a `--log_level` flag wins over the variable
 * the logger started with) and, unless metrics_port is 0, metrics served on `/metrics` on the
 * service's host.
 */
export async function startTelemetry(config: TelemetryConfig, log: Logger): Promise<Telemetry> {
  log.setLevel(config.log_level);
  if (config.metrics_port === 0) return { metrics: undefined, close: async () => {} };
  const metrics = await createMetrics();
  const server = await startMetricsServer(metrics, { host: config.host, port: config.metrics_port });
  log.info("metrics_listening", { metrics_port: server.port });
  return { metrics, close: () => server.close() };
}
