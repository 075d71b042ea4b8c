// What every laion-dl process reports about itself: JSON logs, Prometheus metrics, and how it stops.
export { ERROR_CLASSES, errorClassOf, type ErrorClass } from "./error-class.ts";
export { createLogger, LOG_LEVELS, type Logger, type LoggerOptions, type LogLevel } from "./logger.ts";
export {
  createMetrics,
  createThreadStageMeters,
  timed,
  type GaugeName,
  type Metrics,
  type SampleStatus,
  type StageMeter,
  type StageMeters,
  type StageSnapshot,
  type ThreadStageMeters,
} from "./metrics.ts";
export { startMetricsServer, type MetricsServer } from "./metrics-server.ts";
export { exitOnBootFailure, exitOnSignal } from "./shutdown.ts";
export { startTelemetry, TELEMETRY_SPECS, type Telemetry, type TelemetryConfig } from "./telemetry-config.ts";
