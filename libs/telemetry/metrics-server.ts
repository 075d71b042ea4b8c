import { createServer } from "node:http";
import type { Metrics } from "./metrics.ts";

export interface MetricsServer {
  /** The port bound (the one asked for, or a free one for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on its own HTTP port, apart from the gRPC port, so
 * a scraper needs no gRPC and a scrape never queues behind image streams.
 */
export async function startMetricsServer(metrics: Metrics, options: { host: string; port: number }): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("laion-dl serves GET /metrics here\n");
      return;
    }
    metrics.exposition().then(
      ({ contentType, text }) => response.writeHead(200, { "content-type": contentType }).end(text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject); // EADDRINUSE, EACCES: a boot failure naming the port
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
