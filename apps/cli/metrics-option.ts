import { Option } from "commander";
import { parseOptions, type OptionSpec } from "@laion-dl/config";
import { createMetrics, startMetricsServer, TELEMETRY_SPECS, type Metrics } from "@laion-dl/telemetry";

const CLI_METRICS_SPECS = [
  ...TELEMETRY_SPECS.filter((spec) => spec.name === "metrics_port"),
  { name: "metrics_linger", kind: "number", default: 0, min: 0, max: 86_400, help: "seconds /metrics stays up after the run" },
] as const satisfies readonly OptionSpec<string>[];

/** The CLI's metrics flags, as commander hands them over. */
export interface MetricsFlags {
  readonly metrics_port: unknown;
  readonly metrics_linger: unknown;
}

export const metricsPortOption = (): Option =>
  new Option("--metrics_port <port>", "serve Prometheus metrics on http://127.0.0.1:PORT/metrics while this runs (0: none)").default(0);

export const metricsLingerOption = (): Option =>
  new Option(
    "--metrics_linger <seconds>",
    "after the run, keep serving /metrics this many seconds (or until interrupted), so that a scraper reads the final counts",
  ).default(0);

/**
 * Runs `work` with metrics served on 127.0.0.1:`metrics_port`, or with none for 0. Loopback only:
 * a scraper elsewhere goes through the fleet's services instead.
 */
export async function withMetrics<T>(flags: MetricsFlags, work: (metrics?: Metrics) => Promise<T>): Promise<T> {
  const { metrics_port, metrics_linger } = parseOptions(CLI_METRICS_SPECS, { ...flags }) as { metrics_port: number; metrics_linger: number };
  if (metrics_port === 0) return work();
  const metrics = await createMetrics();
  const server = await startMetricsServer(metrics, { host: "127.0.0.1", port: metrics_port });
  const url = `http://127.0.0.1:${server.port}/metrics`;
  console.error(`laion-dl: metrics on ${url}`);
  try {
    const result = await work(metrics);
    await linger(metrics_linger, url);
    return result;
  } finally {
    await server.close();
  }
}

/** Waits `seconds`, or until SIGINT/SIGTERM, while the last counts stay on `url`. */
async function linger(seconds: number, url: string): Promise<void> {
  if (seconds === 0) return;
  console.error(`laion-dl: the run is over; metrics stay on ${url} for ${seconds} s (interrupt to quit now)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      process.off("SIGINT", stop).off("SIGTERM", stop);
      resolve();
    };
    const timer = setTimeout(stop, seconds * 1000);
    process.on("SIGINT", stop).on("SIGTERM", stop);
  });
}
