import { Option } from "commander";
import { parseOptions } from "@laion-dl/config";
import { createMetrics, startMetricsServer, TELEMETRY_SPECS, type Metrics } from "@laion-dl/telemetry";

const METRICS_PORT = TELEMETRY_SPECS.filter((spec) => spec.name === "metrics_port");

export const metricsPortOption = (): Option =>
  new Option("--metrics_port <port>", "serve Prometheus metrics on http://127.0.0.1:PORT/metrics while this runs (0: none)").default(0);

/**
 * Runs `work` with metrics served on 127.0.0.1:`port` (the value of --metrics_port), or with none
 * for 0. Loopback only: a scraper elsewhere goes through the fleet's services instead.
 */
export async function withMetrics<T>(port: unknown, work: (metrics?: Metrics) => Promise<T>): Promise<T> {
  const { metrics_port } = parseOptions(METRICS_PORT, { metrics_port: port }) as { metrics_port: number };
  if (metrics_port === 0) return work();
  const metrics = await createMetrics();
  const server = await startMetricsServer(metrics, { host: "127.0.0.1", port: metrics_port });
  console.error(`laion-dl: metrics on http://127.0.0.1:${server.port}/metrics`);
  try {
    return await work(metrics);
  } finally {
    await server.close();
  }
}
