import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type IngestServiceClient, type JobStatus__Output } from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { errorClassOf } from "@laion-dl/telemetry";
import {
  imagePath,
  metricValue,
  scrapeMetrics,
  startFixtureServer,
  startNatsServer,
  type FixtureServer,
  type MetricFamily,
  type NatsServerProcess,
} from "@laion-dl/testing";
import { freePort, startService, type ServiceProcess } from "../helpers/services.ts";

const ROWS = 120;
const PER_SHARD = 50; // three shards, the last one short
const repoRoot = join(import.meta.dirname, "..", "..");

let nats: NatsServerProcess;
let fixture: FixtureServer;
let work: string;
let manifest: string;
const fleet: { service: ServiceProcess; metricsUrl: string }[] = [];

/** Images with failures of several kinds mixed in: HTTP 404 and 500, a body that is not an image, a truncated one. */
function rows(baseUrl: string) {
  return Array.from({ length: ROWS }, (_, i) => {
    const image = imagePath({ kind: "photo", format: i % 2 ? "jpg" : "png", width: 160 + (i % 5) * 40, height: 120, seed: i });
    const path =
      i % 11 === 3
        ? `/status/404?row=${i}`
        : i % 13 === 5
          ? `/status/500?row=${i}`
          : i % 17 === 7
            ? `/text/${i}.html`
            : i % 19 === 9
              ? `/truncated${image}`
              : image;
    // A few slow rows keep downloads in flight long enough to be seen by a scrape.
    return { caption: `picture ${i}`, url: `${baseUrl}${i % 10 === 0 ? "/slow/300" : ""}${path}` };
  });
}

const jobOptions = (output: string) => ({
  input_format: "json",
  url_col: "url",
  caption_col: "caption",
  output_folder: output,
  image_size: "64",
  number_sample_per_shard: String(PER_SHARD),
  thread_count: "16",
  retries: "0",
  allow_private_network: "True",
});

async function start(name: "ingest" | "fetcher" | "transformer" | "assembler", settings: Record<string, string | number>) {
  const metricsPort = await freePort();
  const service = await startService(name, { ...settings, metrics_port: metricsPort, log_level: "debug" });
  const entry = { service, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
  fleet.push(entry);
  return entry;
}

/** The shards' _stats.json, summed: what the counters must agree with. */
async function statsOf(folder: string) {
  const totals = { count: 0, successes: 0, failed_to_download: 0, failed_to_resize: 0, byClass: new Map<string, number>(), bytes: 0, shards: 0 };
  for (const name of (await readdir(folder)).sort()) {
    if (/^\d+\.(tar|parquet)$/.test(name)) totals.bytes += (await stat(join(folder, name))).size;
    if (!name.endsWith("_stats.json")) continue;
    const stats = JSON.parse(await readFile(join(folder, name), "utf8")) as Record<string, number> & { status_dict: Record<string, number> };
    totals.shards++;
    for (const key of ["count", "successes", "failed_to_download", "failed_to_resize"] as const) totals[key] += stats[key]!;
    for (const [message, count] of Object.entries(stats.status_dict)) {
      if (message === "success") continue;
      const errorClass = errorClassOf(message);
      totals.byClass.set(errorClass, (totals.byClass.get(errorClass) ?? 0) + count);
    }
  }
  return totals;
}

/** Every scrape parsed, summed over the services of one kind. */
function summed(scrapes: Map<string, MetricFamily>[], name: string, labels?: Record<string, string>): number {
  return scrapes.reduce((sum, families) => sum + metricValue(families, name, labels), 0);
}

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-metrics-"));
  manifest = join(work, "rows.json");
  await writeManifest(manifest, rows(fixture.baseUrl), "json");
});

after(async () => {
  await Promise.all(fleet.map(({ service }) => service.kill("SIGKILL")));
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

test("metrics: every service's /metrics, scraped during a fleet run, agrees with the shards' _stats.json; logs are JSON with the ids", async () => {
  const fetchers = [
    await start("fetcher", { nats_url: nats.url, limit_allow_private_network: "True" }),
    await start("fetcher", { nats_url: nats.url, limit_allow_private_network: "True" }),
  ];
  const fetcherAddresses = fetchers.map(({ service }) => service.address).join(",");
  const transformer = await start("transformer", { nats_url: nats.url, fetcher_addresses: fetcherAddresses });
  const assemblers = [
    await start("assembler", {
      nats_url: nats.url,
      fetcher_addresses: fetcherAddresses,
      transformer_addresses: transformer.service.address,
      ack_wait_ms: 5000,
    }),
    await start("assembler", {
      nats_url: nats.url,
      fetcher_addresses: fetcherAddresses,
      transformer_addresses: transformer.service.address,
      ack_wait_ms: 5000,
    }),
  ];
  const ingest = await start("ingest", { nats_url: nats.url, limit_allow_private_network: "True" });

  const contracts = await loadContracts();
  const client = createClient<IngestServiceClient>(contracts.ingest, ingest.service.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  const call = <Response>(invoke: (callback: (error: Error | null, response?: Response) => void) => void) =>
    new Promise<Response>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
  const output = join(work, "fleet");
  let jobId: string;
  let status: JobStatus__Output;
  let downloadsSeenInFlight = 0;
  let scrapesDuringRun = 0;
  try {
    // Submitted the way the Kubernetes submit Job does it.
    const submitted = await promisify(execFile)(join(repoRoot, "bin", "laion-dl"), [
      "submit",
      "--ingest",
      ingest.service.address,
      "--manifest_path",
      manifest,
      "--options_json",
      JSON.stringify(jobOptions(output)),
    ]);
    jobId = submitted.stdout.trim();
    assert.match(jobId, /^job-/);
    const deadline = Date.now() + 120_000;
    for (;;) {
      // Scraped while the job runs, as Prometheus would: every service answers, and parses.
      const scrapes = await Promise.all(fleet.map(({ metricsUrl }) => scrapeMetrics(metricsUrl)));
      scrapesDuringRun++;
      downloadsSeenInFlight = Math.max(downloadsSeenInFlight, summed(scrapes.slice(0, 2), "laion_dl_downloads_in_flight"));
      status = await call<JobStatus__Output>((cb) => client.GetJob({ job_id: jobId }, cb));
      if (status.state === "done" || status.state === "failed") break;
      assert.ok(Date.now() < deadline, `job not done: ${JSON.stringify(status)}`);
      await sleep(100);
    }
  } finally {
    client.close();
  }
  assert.equal(status.state, "done");
  assert.ok(scrapesDuringRun > 1);
  assert.ok(downloadsSeenInFlight > 0, "a scrape saw downloads in flight");

  const stats = await statsOf(output);
  assert.equal(stats.count, ROWS);
  const [fetcherScrapes, transformerScrapes, assemblerScrapes, ingestScrapes] = await Promise.all(
    [fetchers, [transformer], assemblers, [ingest]].map((group) => Promise.all(group.map(({ metricsUrl }) => scrapeMetrics(metricsUrl)))),
  );
  // Assemblers: samples by status and failure kind, shards and bytes written.
  for (const status of ["success", "failed_to_download", "failed_to_resize"] as const) {
    const expected = status === "success" ? stats.successes : stats[status];
    assert.equal(summed(assemblerScrapes!, "laion_dl_samples_total", { status }), expected, status);
  }
  assert.ok(stats.failed_to_download > 0 && stats.failed_to_resize > 0, "the run had failures of both kinds");
  for (const [errorClass, count] of stats.byClass) {
    assert.equal(summed(assemblerScrapes!, "laion_dl_sample_failures_total", { error_class: errorClass }), count, errorClass);
  }
  assert.equal(stats.byClass.get("other"), undefined, `every failure has a class: ${JSON.stringify([...stats.byClass])}`);
  assert.equal(summed(assemblerScrapes!, "laion_dl_shards_done_total"), stats.shards);
  assert.equal(summed(assemblerScrapes!, "laion_dl_written_bytes_total"), stats.bytes);
  assert.equal(summed(assemblerScrapes!, "laion_dl_shards_redelivered_total"), 0);
  // Fetchers download every image once (no retries, no replica died); transformers transform each downloaded one.
  const downloaded = stats.successes + stats.failed_to_resize;
  assert.equal(summed(fetcherScrapes!, "laion_dl_fetches_total", { outcome: "ok" }), downloaded);
  assert.equal(summed(fetcherScrapes!, "laion_dl_fetches_total", { outcome: "failed" }), stats.failed_to_download);
  assert.equal(summed(fetcherScrapes!, "laion_dl_fetch_duration_seconds"), ROWS, "one latency observation per download");
  assert.ok(summed(fetcherScrapes!, "laion_dl_downloaded_bytes_total") > 0);
  assert.equal(summed(fetcherScrapes!, "laion_dl_downloads_in_flight"), 0);
  assert.equal(summed(fetcherScrapes!, "laion_dl_host_backoffs"), 0);
  assert.equal(summed(transformerScrapes!, "laion_dl_transforms_total", { outcome: "ok" }), stats.successes);
  assert.equal(summed(transformerScrapes!, "laion_dl_transforms_total", { outcome: "failed" }), stats.failed_to_resize);
  assert.equal(summed(transformerScrapes!, "laion_dl_transform_duration_seconds"), downloaded);
  // Ingest: the queue is empty, and the gRPC calls it served are counted by method and code.
  assert.equal(summed(ingestScrapes!, "laion_dl_shards_outstanding"), 0);
  assert.equal(summed(ingestScrapes!, "laion_dl_grpc_server_handled_total", { method: "/laion_dl.v1.IngestService/SubmitJob", code: "OK" }), 1);
  assert.ok(summed(ingestScrapes!, "laion_dl_grpc_server_handled_total", { method: "/laion_dl.v1.IngestService/GetJob", code: "OK" }) >= 1);
  assert.equal(summed(ingestScrapes!, "laion_dl_nats_reconnects_total"), 0);
  for (const families of [...fetcherScrapes!, ...transformerScrapes!, ...assemblerScrapes!, ...ingestScrapes!]) {
    assert.ok(metricValue(families, "process_resident_memory_bytes") > 0);
    const labels = [...families.values()].flatMap((family) => family.metrics.flatMap((series) => Object.values(series.labels ?? {})));
    const hosts = labels.filter((value) => value.includes("127.0.0.1") || value.includes("://"));
    assert.deepEqual(hosts, [], "no URL or host is a label");
  }

  // Logs: every stderr line of every service is a JSON object with its service and instance.
  for (const { service } of fleet) {
    for (const line of service.log) {
      assert.equal(line.text, undefined, `${service.name} wrote a line that is not JSON: ${String(line.text)}`);
      assert.equal(line.service, service.name);
      assert.ok(typeof line.instance === "string" && typeof line.event === "string" && typeof line.level === "string" && typeof line.time === "string");
    }
  }
  const assemblerLines = assemblers.flatMap(({ service }) => service.log);
  const shardsLogged = assemblerLines.filter((line) => line.event === "shard_done" && line.jobId === jobId!).map((line) => line.shardId);
  assert.deepEqual(shardsLogged.sort(), [0, 1, 2]);
  assert.ok(ingest.service.log.some((line) => line.event === "job_submitted" && line.jobId === jobId!));
});

// The stages run in the main thread (1) or in worker threads that post their meters to it (2).
for (const shardWorkers of [1, 2]) {
  test(`metrics: \`laion-dl download --metrics_port\` with ${shardWorkers} shard worker(s) serves the stages' metrics, during the run and after it`, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const output = join(work, `cli-${shardWorkers}`);
    // One download per shard takes 2.5 s: scrapes in the meantime see the worker threads' once-a-second
    // snapshots with downloads in flight and part of the rows timed, however fast the rest is.
    const cliManifest = join(work, `cli-${shardWorkers}.json`);
    const slowOnePerShard = rows(fixture.baseUrl).map((row, i) =>
      i % PER_SHARD === 1 ? { ...row, url: row.url.replace(fixture.baseUrl, `${fixture.baseUrl}/slow/2500`) } : row,
    );
    await writeManifest(cliManifest, slowOnePerShard, "json");
    const flags = Object.entries({ url_list: cliManifest, ...jobOptions(output), thread_count: "8", shard_workers: String(shardWorkers) }).flatMap(
      ([name, value]) => [`--${name}`, value],
    );
    const child = spawn(join(repoRoot, "bin", "laion-dl"), ["download", "--metrics_port", String(port), "--metrics_linger", "120", ...flags], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    const seen: number[] = [];
    let downloadsSeenInFlight = 0;
    try {
      // Scraped while it runs, until it says the run is over and lingers for a last scrape.
      const deadline = Date.now() + 120_000;
      while (!stderr.includes("the run is over")) {
        assert.ok(child.exitCode === null && Date.now() < deadline, `the download ended without lingering: ${stderr}`);
        const families = await scrapeMetrics(url).catch(() => null);
        if (families) {
          seen.push(metricValue(families, "laion_dl_fetch_duration_seconds"));
          downloadsSeenInFlight = Math.max(downloadsSeenInFlight, metricValue(families, "laion_dl_downloads_in_flight"));
        }
        await sleep(50);
      }
      const families = await scrapeMetrics(url);
      const value = (name: string, labels?: Record<string, string>) => metricValue(families, name, labels);
      const stats = await statsOf(output);
      assert.equal(stats.count, ROWS);
      const downloaded = stats.successes + stats.failed_to_resize;
      // Wherever the stages ran, their observations reached this scrape.
      assert.equal(value("laion_dl_fetch_duration_seconds"), ROWS, "one latency observation per download");
      assert.equal(value("laion_dl_fetches_total", { outcome: "ok" }), downloaded);
      assert.equal(value("laion_dl_fetches_total", { outcome: "failed" }), stats.failed_to_download);
      assert.equal(value("laion_dl_transform_duration_seconds"), downloaded, "one latency observation per transform");
      assert.equal(value("laion_dl_transforms_total", { outcome: "ok" }), stats.successes);
      assert.equal(value("laion_dl_transforms_total", { outcome: "failed" }), stats.failed_to_resize);
      assert.ok(value("laion_dl_downloaded_bytes_total") > 0);
      assert.equal(value("laion_dl_downloads_in_flight"), 0);
      assert.equal(value("laion_dl_transforms_in_flight"), 0);
      const bucketCounts = families.get("laion_dl_fetch_duration_seconds")!.metrics[0]!.buckets!;
      assert.equal(bucketCounts["+Inf"], String(ROWS), "the +Inf bucket holds every observation");
      for (const status of ["success", "failed_to_download", "failed_to_resize"] as const) {
        assert.equal(value("laion_dl_samples_total", { status }), status === "success" ? stats.successes : stats[status], status);
      }
      assert.equal(value("laion_dl_shards_done_total"), stats.shards);
      assert.equal(value("laion_dl_written_bytes_total"), stats.bytes);
      // The dashboard's panels on samples, stages and bytes draw a CLI run too: every family they query is served.
      const dashboard = JSON.parse(await readFile(join(repoRoot, "deploy", "grafana", "laion-dl.json"), "utf8")) as {
        panels: { title: string; targets: { expr: string }[] }[];
      };
      const panels = dashboard.panels.filter(({ title }) => /throughput|success rate|failures by kind|in flight|latency|bytes|by outcome/i.test(title));
      assert.equal(panels.length, 7, panels.map(({ title }) => title).join(", "));
      for (const { title, targets } of panels) {
        for (const [, name] of targets.flatMap(({ expr }) => [...expr.matchAll(/\b(laion_dl_[a-z_]+?)(?:_bucket)?\b/g)])) {
          assert.ok(families.has(name!), `${title}: the CLI serves no ${name}`);
        }
      }

      assert.ok(
        seen.some((count) => count > 0 && count < ROWS),
        `a scrape during the run saw some downloads timed: ${seen.join(",")}`,
      );
      assert.ok(downloadsSeenInFlight > 0, "a scrape during the run saw downloads in flight");
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
        "the histogram's count only grows",
      );
    } finally {
      child.kill("SIGTERM"); // ends the lingering
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, new RegExp(`metrics on http://127.0.0.1:${port}/metrics`));
    await assert.rejects(fetch(url), "the port is closed once the download ends");
  });
}
