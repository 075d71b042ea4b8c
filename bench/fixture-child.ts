// The fixture HTTP server in a process of its own, so its CPU is measurable and it does not share
// an event loop with what is measured. Talks to bench/fixture.ts over the IPC channel.
import { availableParallelism } from "node:os";
import { startFixtureServer } from "@laion-dl/testing";
import type { FixtureReply, FixtureRequest } from "./fixture.ts";

const cacheBytes = Number(process.env.BENCH_FIXTURE_CACHE_BYTES);
const server = await startFixtureServer({ cacheBytes, cacheDir: process.env.BENCH_FIXTURE_CACHE_DIR });
send({ type: "ready", baseUrl: server.baseUrl });

process.on("message", (message: FixtureRequest) => {
  if (message.type === "warm") void warm(message.urls);
  else void server.close().then(() => process.exit(0));
});
process.on("disconnect", () => void server.close().then(() => process.exit(0)));

/** Requests every URL once, so each image is rendered and cached before anything is timed. */
async function warm(urls: readonly string[]): Promise<void> {
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const response = await fetch(url);
      const body = await response.arrayBuffer();
      if (response.status === 200) bytes += body.byteLength;
      else failures.push(`${url}: HTTP ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: 2 * availableParallelism() }, worker));
  send({ type: "warmed", bytes, seconds: (performance.now() - started) / 1000, failures });
}

function send(message: FixtureReply): void {
  process.send!(message);
}
