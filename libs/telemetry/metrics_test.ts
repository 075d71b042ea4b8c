import assert from "node:assert/strict";
import { test } from "node:test";
import { ROBOTS_MESSAGE } from "@laion-dl/fetch";
import { metricValue, scrapeMetrics } from "@laion-dl/testing";
import { PIXEL_LIMIT_MESSAGE } from "@laion-dl/transform";
import { createMetrics, createThreadStageMeters, errorClassOf, startMetricsServer, timed, type ErrorClass } from "./mod.ts";

test("metrics: /metrics serves what was counted, in Prometheus text a separate parser reads", async () => {
  const metrics = await createMetrics();
  metrics.sampleDone("success", null);
  metrics.sampleDone("success", null);
  metrics.sampleDone("failed_to_download", "HTTP Error 404: Not Found");
  metrics.sampleDone("failed_to_download", "timeout");
  metrics.sampleDone("failed_to_resize", "Image decoding error");
  metrics.shardWritten(1_000);
  metrics.shardRedelivered();
  metrics.shardParked();
  metrics.grpcCallEnded("/laion_dl.v1.FetchService/Fetch", 0);
  metrics.grpcCallEnded("/laion_dl.v1.FetchService/Fetch", 14);
  metrics.natsReconnected();
  let outstanding = 7;
  metrics.observe("shards_outstanding", () => outstanding);
  await metrics.fetches.time(
    async () => ({ body: Buffer.alloc(300) }),
    (done) => done.body.length,
  );
  await assert.rejects(
    metrics.fetches.time(() => Promise.reject(new Error("refused"))),
    /refused/,
  );
  let inFlightDuringWork = -1;
  const server = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${server.port}/metrics`;
  try {
    await metrics.transforms.time(async () => {
      inFlightDuringWork = metricValue(await scrapeMetrics(url), "laion_dl_transforms_in_flight");
    });
    const families = await scrapeMetrics(url);
    const value = (name: string, labels?: Record<string, string>) => metricValue(families, name, labels);
    assert.equal(inFlightDuringWork, 1);
    assert.equal(value("laion_dl_transforms_in_flight"), 0);
    assert.equal(value("laion_dl_samples_total", { status: "success" }), 2);
    assert.equal(value("laion_dl_samples_total", { status: "failed_to_download" }), 2);
    assert.equal(value("laion_dl_samples_total", { status: "failed_to_resize" }), 1);
    assert.equal(value("laion_dl_sample_failures_total", { error_class: "http_4xx" }), 1);
    assert.equal(value("laion_dl_sample_failures_total", { error_class: "timeout" }), 1);
    assert.equal(value("laion_dl_sample_failures_total", { error_class: "decode" }), 1);
    assert.equal(value("laion_dl_sample_failures_total"), 3);
    assert.equal(value("laion_dl_fetches_total", { outcome: "ok" }), 1);
    assert.equal(value("laion_dl_fetches_total", { outcome: "failed" }), 1);
    assert.equal(value("laion_dl_fetch_duration_seconds"), 2, "the histogram counts both downloads");
    assert.equal(value("laion_dl_transform_duration_seconds"), 1);
    assert.equal(value("laion_dl_downloaded_bytes_total"), 300);
    assert.equal(value("laion_dl_written_bytes_total"), 1_000);
    assert.equal(value("laion_dl_shards_done_total"), 1);
    assert.equal(value("laion_dl_shards_redelivered_total"), 1);
    assert.equal(value("laion_dl_shards_parked_total"), 1);
    assert.equal(value("laion_dl_grpc_server_handled_total", { method: "/laion_dl.v1.FetchService/Fetch", code: "OK" }), 1);
    assert.equal(value("laion_dl_grpc_server_handled_total", { code: "UNAVAILABLE" }), 1);
    assert.equal(value("laion_dl_nats_reconnects_total"), 1);
    assert.equal(value("laion_dl_shards_outstanding"), 7);
    assert.ok(value("process_cpu_seconds_total") > 0, "process metrics are served too");
    assert.equal(families.get("laion_dl_samples_total")?.type, "COUNTER");
    assert.equal(families.get("laion_dl_fetch_duration_seconds")?.type, "HISTOGRAM");

    // Counters only grow between scrapes; a gauge follows what it reads.
    metrics.sampleDone("success", null);
    outstanding = 3;
    const again = await scrapeMetrics(url);
    assert.equal(metricValue(again, "laion_dl_samples_total", { status: "success" }), 3);
    assert.equal(metricValue(again, "laion_dl_shards_outstanding"), 3);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 404);
  } finally {
    await server.close();
  }
});

test("metrics: a gauge whose source fails keeps its last value and the scrape still answers", async () => {
  const metrics = await createMetrics({ defaultMetrics: false });
  let reachable = true;
  metrics.observe("shards_outstanding", async () => {
    if (!reachable) throw new Error("NATS is down");
    return 5;
  });
  assert.match((await metrics.exposition()).text, /laion_dl_shards_outstanding 5/);
  reachable = false;
  assert.match((await metrics.exposition()).text, /laion_dl_shards_outstanding 5/);
});

test("metrics: other threads' stage meters add up with this thread's in one scrape, their latest snapshot counted once", async () => {
  const metrics = await createMetrics({ defaultMetrics: false });
  const worker = await createThreadStageMeters();
  const download = (bytes: number) => async () => ({ body: Buffer.alloc(bytes) });
  const bodyBytes = (done: { body: Buffer }) => done.body.length;
  await metrics.fetches.time(download(10), bodyBytes);
  await worker.fetches.time(download(100), bodyBytes);
  await assert.rejects(worker.transforms.time(() => Promise.reject(new Error("corrupt"))));
  metrics.addThreadSnapshot(1, await worker.snapshot());
  await worker.fetches.time(download(1_000), bodyBytes);
  let releaseTransform!: () => void;
  const transformInFlight = worker.transforms.time(() => new Promise<void>((resolve) => (releaseTransform = resolve)));
  // A newer snapshot of the same thread replaces its older one.
  metrics.addThreadSnapshot(1, await worker.snapshot());
  const server = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0 });
  try {
    const families = await scrapeMetrics(`http://127.0.0.1:${server.port}/metrics`);
    const value = (name: string, labels?: Record<string, string>) => metricValue(families, name, labels);
    assert.equal(value("laion_dl_fetch_duration_seconds"), 3);
    assert.equal(value("laion_dl_fetches_total", { outcome: "ok" }), 3);
    assert.equal(value("laion_dl_downloaded_bytes_total"), 1_110);
    assert.equal(value("laion_dl_transform_duration_seconds"), 1);
    assert.equal(value("laion_dl_transforms_total", { outcome: "failed" }), 1);
    assert.equal(value("laion_dl_transforms_in_flight"), 1);
    assert.equal(families.get("laion_dl_fetch_duration_seconds")?.type, "HISTOGRAM");
    assert.equal(families.get("laion_dl_fetch_duration_seconds")!.metrics[0]!.buckets!["+Inf"], "3");
  } finally {
    releaseTransform();
    await transformInFlight;
    await server.close();
  }
});

test("metrics: a port already taken fails the start with the port's error", async () => {
  const metrics = await createMetrics({ defaultMetrics: false });
  const first = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(startMetricsServer(metrics, { host: "127.0.0.1", port: first.port }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

test("metrics: error_message classes, never the message itself", () => {
  const cases: [string, ErrorClass][] = [
    ["HTTP Error 404: Not Found", "http_4xx"],
    ["HTTP Error 429: Too Many Requests", "http_4xx"],
    ["HTTP Error 503: Service Unavailable", "http_5xx"],
    ["timeout", "timeout"],
    ["DNS lookup failed", "dns"],
    ["connection refused", "connection"],
    ["download error: ESOMETHING", "connection"],
    ["TLS error (CERT_HAS_EXPIRED)", "tls"],
    ["response too large", "too_large"],
    ["too many redirects", "redirects"],
    [ROBOTS_MESSAGE, "robots"],
    ["blocked private address", "blocked"],
    ["unsupported URL scheme", "invalid_url"],
    ["missing url", "invalid_url"],
    ["invalid JSON row: Unexpected token", "bad_row"],
    ["hash mismatch", "hash_mismatch"],
    ["Image decoding error", "decode"],
    ["unsupported image format: svg", "unsupported_format"],
    ["image too small", "too_small"],
    [PIXEL_LIMIT_MESSAGE, "image_too_large"],
    ["aspect ratio too large", "aspect_ratio"],
    ["something new", "other"],
  ];
  for (const [message, expected] of cases) assert.equal(errorClassOf(message), expected, message);
});

test("metrics: the per-sample cost stays in the microsecond range", async (t) => {
  const metrics = await createMetrics({ defaultMetrics: false });
  const n = 10_000;
  const download = { body: Buffer.alloc(1) };
  const bare = () => Promise.resolve(download);
  const bodyBytes = (done: typeof download) => done.body.length;
  // What a sample adds: its outcome, one timed download and one timed transform, against the same awaits untimed.
  // CPU time, not wall time: other processes on a shared machine then count far less.
  const perSample = async (meter: boolean) => {
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      if (meter) metrics.sampleDone(i % 10 === 0 ? "failed_to_download" : "success", i % 10 === 0 ? "HTTP Error 404: Not Found" : null);
      await timed(meter ? metrics.fetches : undefined, bare, bodyBytes);
      await timed(meter ? metrics.transforms : undefined, bare);
    }
    const used = process.cpuUsage(started);
    return ((used.user + used.system) * 1e3) / n;
  };
  await perSample(true); // warm up both paths
  await perSample(false);
  const withMetrics = Math.min(await perSample(true), await perSample(true), await perSample(true));
  const without = Math.min(await perSample(false), await perSample(false), await perSample(false));
  const cost = withMetrics - without;
  t.diagnostic(`metrics cost per sample: ${cost.toFixed(0)} ns (${withMetrics.toFixed(0)} ns with, ${without.toFixed(0)} ns without)`);
  // A resized image costs milliseconds of CPU. The bound is loose because a loaded machine inflates
  // this several times over; what it catches is a per-sample regression (a label hash, a log line).
  assert.ok(cost < 20_000, `Expected under 20 µs per sample but measured ${cost.toFixed(0)} ns`);
});
