import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parseDownloadOptions } from "@laion-dl/config";
import {
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  GrpcStatus,
  loadContracts,
  type AssemblerServiceClient,
  type AssemblerStatus__Output,
  type IngestServiceClient,
  type JobStatus__Output,
} from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import {
  createRandom,
  imagePath,
  randomInt,
  startFixtureServer,
  startNatsServer,
  TRICKY_CAPTIONS,
  type FixtureServer,
  type NatsServerProcess,
} from "@laion-dl/testing";
import { outputDigests } from "../helpers/shards.ts";
import { freePort, spawnService, startService, waitForHealth, type ServiceProcess } from "../helpers/services.ts";

const ROWS = 180;
const PER_SHARD = 50; // four shards, the last one short
const repoRoot = join(import.meta.dirname, "..", "..");
const buf = join(repoRoot, "test", "node_modules", ".bin", "buf");

let nats: NatsServerProcess;
let fixture: FixtureServer;
let work: string;
let manifest: string;
let reference: Record<string, string>;
const fleet: Record<"ingest" | "fetchers" | "transformers" | "assemblers", ServiceProcess[]> = {
  ingest: [],
  fetchers: [],
  transformers: [],
  assemblers: [],
};

/** Small to medium images of every kind, with failures mixed in (decode, HTTP, truncation). */
function fleetRows(baseUrl: string, count: number, delayMs = 0) {
  const sizes = [
    [320, 240],
    [640, 427],
    [200, 600],
    [1024, 768],
    [96, 96],
  ] as const;
  const kinds = [
    ["photo", "jpg"],
    ["photo", "webp"],
    ["alpha", "png"],
    ["gray", "jpg"],
    ["photo", "png"],
  ] as const;
  return Array.from({ length: count }, (_, i) => {
    const [width, height] = sizes[i % sizes.length]!;
    const [kind, format] = kinds[(i * 7) % kinds.length]!;
    const image = imagePath({ kind, format, width, height, seed: i });
    const path = i % 13 === 4 ? `/status/404?row=${i}` : i % 17 === 9 ? `/text/${i}.html` : i % 19 === 11 ? `/truncated${image}` : image;
    const url = `${baseUrl}${delayMs ? `/slow/${delayMs}` : ""}${path}`;
    return { caption: i % 9 === 0 ? TRICKY_CAPTIONS[(i / 9) % TRICKY_CAPTIONS.length]! : `a picture number ${i}`, url };
  });
}

const jobOptions = (output: string, extra: Record<string, string> = {}) => ({
  input_format: "json",
  url_col: "url",
  caption_col: "caption",
  output_folder: output,
  image_size: "224",
  number_sample_per_shard: String(PER_SHARD),
  thread_count: "32",
  allow_private_network: "True",
  ...extra,
});

async function clients() {
  const contracts = await loadContracts();
  const options = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };
  return {
    ingest: createClient<IngestServiceClient>(contracts.ingest, fleet.ingest[0]!.address, options),
    assembler: (address: string) => createClient<AssemblerServiceClient>(contracts.assembler, address, options),
  };
}

function call<Response>(invoke: (callback: (error: Error | null, response?: Response) => void) => void): Promise<Response> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
}

async function submit(manifestPath: string, options: Record<string, string>): Promise<string> {
  const { ingest } = await clients();
  try {
    const response = await call<{ job_id: string }>((cb) => ingest.SubmitJob({ manifest_path: manifestPath, options_json: JSON.stringify(options) }, cb));
    return response.job_id;
  } finally {
    ingest.close();
  }
}

async function waitForJob(
  jobId: string,
  timeoutMs = 120_000,
  until: (status: JobStatus__Output) => boolean = (status) => status.state === "done" || status.state === "failed",
): Promise<JobStatus__Output> {
  const { ingest } = await clients();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // UNAVAILABLE while NATS restarts is an answer to retry, as any client of the fleet would.
      const status = await call<JobStatus__Output>((cb) => ingest.GetJob({ job_id: jobId }, cb)).catch((error: { code?: number }) => {
        if (error.code !== GrpcStatus.UNAVAILABLE) throw error;
        return null;
      });
      if (status && until(status)) return status;
      if (Date.now() > deadline) throw new Error(`job ${jobId} not done: ${JSON.stringify(status)}`);
      await sleep(200);
    }
  } finally {
    ingest.close();
  }
}

async function assemblerStatus(service: ServiceProcess): Promise<AssemblerStatus__Output> {
  const { assembler } = await clients();
  const client = assembler(service.address);
  try {
    return await call<AssemblerStatus__Output>((cb) => client.GetStatus({}, cb));
  } finally {
    client.close();
  }
}

const stageSettings = (stage: "fetcher" | "transformer"): Record<string, string> =>
  stage === "fetcher"
    ? { nats_url: nats.url, limit_allow_private_network: "True" }
    : // Transformers download URL requests through the fetchers (the original crosses one hop).
      { nats_url: nats.url, fetcher_addresses: fleet.fetchers.map((f) => f.address).join(",") };

/**
 * SIGKILLs one replica of a stage while an assembler is mid-shard: the job still finishes with the
 * embedded run's bytes. Then a replacement starts on the same address, as a restarted pod would.
 */
async function killStageMidShard(stage: "fetcher" | "transformer", index: number): Promise<void> {
  const output = join(work, `fleet-${stage}-killed`);
  const jobId = await submit(manifest, jobOptions(output, { thread_count: "8" }));
  await waitForBusyAssembler();
  const group = stage === "fetcher" ? fleet.fetchers : fleet.transformers;
  const victim = group[index]!;
  await victim.kill("SIGKILL");
  const status = await waitForJob(jobId);
  assert.deepEqual([status.state, status.samples_done], ["done", ROWS]);
  assert.deepEqual(await outputDigests(output), reference);
  group[index] = await startService(stage, stageSettings(stage), { port: victim.port });
}

const startAssembler = () =>
  startService("assembler", {
    nats_url: nats.url,
    fetcher_addresses: fleet.fetchers.map((f) => f.address).join(","),
    transformer_addresses: fleet.transformers.map((t) => t.address).join(","),
    ack_wait_ms: 3000,
    max_shards: 2,
    grace_ms: 5000,
  });

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-fleet-"));
  manifest = join(work, "rows.json");
  const rows = fleetRows(fixture.baseUrl, ROWS);
  await writeManifest(manifest, rows, "json");
  for (const row of rows) await fetch(row.url).then((response) => response.arrayBuffer()); // render once, up front
  await runDownload(parseDownloadOptions({ url_list: manifest, ...jobOptions(join(work, "embedded")) }));
  reference = await outputDigests(join(work, "embedded"));

  fleet.fetchers = await Promise.all([startService("fetcher", stageSettings("fetcher")), startService("fetcher", stageSettings("fetcher"))]);
  fleet.transformers = await Promise.all([
    startService("transformer", stageSettings("transformer")),
    startService("transformer", stageSettings("transformer")),
  ]);
  fleet.assemblers = await Promise.all([startAssembler(), startAssembler()]);
  fleet.ingest = [await startService("ingest", { nats_url: nats.url, limit_allow_private_network: "True" })];
});

after(async () => {
  await Promise.all(
    Object.values(fleet)
      .flat()
      .map((service) => service.kill("SIGKILL")),
  );
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("distributed", () => {
  test("distributed: nats + ingest + 2 fetchers + 2 transformers + 2 assemblers write the embedded run's bytes", async () => {
    const output = join(work, "fleet-1");
    const status = await waitForJob(await submit(manifest, jobOptions(output)));
    assert.deepEqual([status.state, status.shards_total, status.shards_done, status.samples_done], ["done", 4, 4, ROWS]);
    assert.deepEqual(await outputDigests(output), reference);
  });

  test("distributed: `laion-dl download --nats` ingests in the CLI's process and the fleet writes the same bytes", async () => {
    const output = join(work, "fleet-cli");
    const flags = Object.entries({ url_list: manifest, ...jobOptions(output) }).flatMap(([name, value]) => [`--${name}`, value]);
    const { stdout } = await promisify(execFile)(join(repoRoot, "bin", "laion-dl"), ["download", "--nats", nats.url, ...flags], { cwd: work });
    assert.match(stdout, /shards done: 4\/4 - samples: 180 - success/);
    assert.deepEqual(await outputDigests(output), reference);
  });

  test("distributed: reflection lists every service and resolves Health (checked with buf curl)", async () => {
    const run = promisify(execFile);
    const expected = {
      ingest: "laion_dl.v1.IngestService",
      fetchers: "laion_dl.v1.FetchService",
      transformers: "laion_dl.v1.TransformService",
      assemblers: "laion_dl.v1.AssemblerService",
    } as const;
    for (const [group, service] of Object.entries(expected)) {
      const target = `http://${fleet[group as keyof typeof fleet][0]!.address}`;
      const base = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
      const services = (await run(buf, [...base, "--list-services", target])).stdout.split("\n");
      assert.ok(services.includes(service) && services.includes("grpc.health.v1.Health"), `${group}: ${services.join(" ")}`);
      const methods = (await run(buf, [...base, "--list-methods", target])).stdout;
      assert.match(methods, /grpc\.health\.v1\.Health\/Check/);
      const health = (await run(buf, [...base, "-d", '{"service":""}', `${target}/grpc.health.v1.Health/Check`])).stdout;
      assert.equal(JSON.parse(health).status, "SERVING");
    }
  });

  test("distributed: an assembler is NOT_SERVING until its fetchers answer, then SERVING", async () => {
    const fetcherPort = await freePort();
    const assembler = await spawnService("assembler", {
      nats_url: nats.url,
      fetcher_addresses: `127.0.0.1:${fetcherPort}`,
      transformer_addresses: fleet.transformers[0]!.address,
      ready_timeout_ms: 60_000,
      // The fleet shares one durable consumer: every assembler must agree on its settings.
      ack_wait_ms: 3000,
    });
    try {
      await waitForHealth(assembler, "NOT_SERVING");
      await sleep(1_000);
      await waitForHealth(assembler, "NOT_SERVING", 100);
      const fetcher = await startService("fetcher", { nats_url: nats.url, limit_allow_private_network: "True" }, { port: fetcherPort });
      try {
        await waitForHealth(assembler, "SERVING");
      } finally {
        await fetcher.kill("SIGTERM");
      }
      assert.equal(await assembler.kill("SIGTERM"), 0, "a SIGTERM ends the assembler cleanly");
    } finally {
      await assembler.kill("SIGKILL");
    }
  });

  test("distributed: a shard whose assembler is SIGKILLed before ack is redelivered and finished by another", async () => {
    const output = join(work, "fleet-assembler-killed");
    const jobId = await submit(manifest, jobOptions(output, { thread_count: "4" }));
    const victim = await waitForBusyAssembler();
    await victim.kill("SIGKILL");
    fleet.assemblers = fleet.assemblers.filter((a) => a !== victim);
    const status = await waitForJob(jobId);
    assert.equal(status.state, "done");
    assert.deepEqual(await outputDigests(output), reference);
    fleet.assemblers.push(await startAssembler());
  });

  test("distributed: a fetcher SIGKILLed mid-shard loses nothing", () => killStageMidShard("fetcher", 0));
});

describe("distributed faults", () => {
  test("distributed: a transformer SIGKILLed mid-shard loses nothing", () => killStageMidShard("transformer", 1));

  test("distributed: an ingest SIGKILLed mid-manifest is resumed by the next ingest, with the same bytes", async () => {
    // One shard outstanding at a time keeps the ingest mid-manifest long enough to kill it.
    await fleet.ingest[0]!.kill("SIGTERM");
    fleet.ingest = [await startService("ingest", { nats_url: nats.url, limit_allow_private_network: "True", max_outstanding: 1 })];
    const output = join(work, "fleet-ingest-killed");
    const jobId = await submit(manifest, jobOptions(output, { thread_count: "8" }));
    let status = await waitForJob(jobId, 60_000, (s) => s.shards_done >= 1);
    assert.equal(status.state, "ingesting");
    await fleet.ingest[0]!.kill("SIGKILL");
    fleet.ingest = [await startService("ingest", { nats_url: nats.url, limit_allow_private_network: "True", max_outstanding: 1 })];
    status = await waitForJob(jobId);
    assert.deepEqual([status.state, status.shards_done, status.samples_done], ["done", 4, ROWS]);
    assert.deepEqual(await outputDigests(output), reference);
  });

  test("distributed: nats-server SIGKILLed and restarted mid-run: the job completes with the same bytes", async () => {
    const output = join(work, "fleet-nats-restarted");
    const jobId = await submit(manifest, jobOptions(output, { thread_count: "4" }));
    // Ingest (one shard outstanding at a time) is still mid-manifest, assemblers mid-shard.
    const before = await waitForJob(jobId, 60_000, (s) => s.shards_done >= 1);
    assert.equal(before.state, "ingesting");
    await nats.kill();
    await sleep(1_000);
    await nats.restart(); // same port and JetStream store: queue, KV and inputs survive
    const status = await waitForJob(jobId);
    assert.deepEqual([status.state, status.samples_done], ["done", ROWS]);
    assert.deepEqual(await outputDigests(output), reference);
  });
});

test("distributed: seeded fault injection — three random SIGKILLs of random processes mid-job, same bytes", async () => {
  const random = createRandom(20261125);
  const victims = ["fetcher", "transformer", "assembler", "ingest", "nats"] as const;
  const plan = Array.from({ length: 3 }, () => ({ victim: victims[randomInt(random, 0, victims.length - 1)]!, afterMs: randomInt(random, 200, 1_500) }));
  // Every row answers after 300 ms, so the job lasts long enough for three kills and restarts.
  const slowManifest = join(work, "slow-rows.json");
  await writeManifest(slowManifest, fleetRows(fixture.baseUrl, ROWS, 300), "json");
  await runDownload(parseDownloadOptions({ url_list: slowManifest, ...jobOptions(join(work, "slow-embedded"), { thread_count: "64" }) }));
  const slowReference = await outputDigests(join(work, "slow-embedded"));
  const output = join(work, "fleet-fault-injection");
  const jobId = await submit(slowManifest, jobOptions(output, { thread_count: "2" }));
  for (const { victim, afterMs } of plan) {
    await sleep(afterMs);
    const now = await waitForJob(jobId, 10_000, () => true);
    assert.notEqual(now.state, "done", `${victim} must die mid-job: ${JSON.stringify(plan)}`);
    if (victim === "nats") {
      await nats.kill();
      await nats.restart();
    } else if (victim === "fetcher" || victim === "transformer") {
      const group = victim === "fetcher" ? fleet.fetchers : fleet.transformers;
      const index = randomInt(random, 0, group.length - 1);
      const dead = group[index]!;
      await dead.kill("SIGKILL");
      group[index] = await startService(victim, stageSettings(victim), { port: dead.port }); // the same address, as a restarted pod
    } else if (victim === "assembler") {
      const index = randomInt(random, 0, fleet.assemblers.length - 1);
      await fleet.assemblers[index]!.kill("SIGKILL");
      fleet.assemblers[index] = await startAssembler();
    } else {
      await fleet.ingest[0]!.kill("SIGKILL");
      fleet.ingest = [await startService("ingest", { nats_url: nats.url, limit_allow_private_network: "True", max_outstanding: 1 })];
    }
  }
  const status = await waitForJob(jobId);
  assert.deepEqual([status.state, status.samples_done], ["done", ROWS], JSON.stringify(plan));
  assert.deepEqual(await outputDigests(output), slowReference, JSON.stringify(plan));
});

/** The first assembler seen with a shard part-way done. */
async function waitForBusyAssembler(): Promise<ServiceProcess> {
  for (let i = 0; i < 300; i++) {
    for (const assembler of fleet.assemblers) {
      const status = await assemblerStatus(assembler).catch(() => null);
      if (status?.shards.some((shard) => shard.rows_done > 0 && shard.rows_done < shard.rows_total)) return assembler;
    }
    await sleep(20);
  }
  throw new Error("no assembler was seen mid-shard");
}

test("distributed: a 429 with Retry-After from one host holds that host across both fetchers, not the others", async () => {
  const throttled = await startFixtureServer();
  try {
    const image = (base: string, i: number) => `${base}${imagePath({ kind: "photo", format: "jpg", width: 64, height: 48, seed: 1000 + i })}`;
    // The throttled host's later rows take 4 of 12 slots while held; the other 8 keep the
    // other host busy, so a hold that leaked to it (or one that missed a fetcher) shows.
    const rows = [
      { caption: "busy", url: `${throttled.baseUrl}/status/429?retry_after=3` },
      ...Array.from({ length: 30 }, (_, i) => ({ caption: `a ${i}`, url: image(fixture.baseUrl, i) })),
      ...Array.from({ length: 4 }, (_, i) => ({ caption: `b ${i}`, url: image(throttled.baseUrl, i) })),
      ...Array.from({ length: 150 }, (_, i) => ({ caption: `a ${i + 30}`, url: image(fixture.baseUrl, i + 30) })),
    ];
    const path = join(work, "throttled.json");
    await writeManifest(path, rows, "json");
    for (const row of rows.slice(1)) await fetch(row.url).then((response) => response.arrayBuffer());
    const warmed = throttled.requestCount();
    const jobId = await submit(path, jobOptions(join(work, "fleet-throttled"), { thread_count: "12", number_sample_per_shard: "1000" }));

    // Sample both servers' request counts over time, from the 429 on.
    const samples: Array<{ at: number; throttled: number; other: number }> = [];
    const other0 = fixture.requestCount();
    while (throttled.requestCount("/status/429?retry_after=3") === 0) await sleep(5);
    const hit = Date.now();
    let status: JobStatus__Output | undefined;
    const waiting = waitForJob(jobId).then((s) => (status = s));
    while (!status) {
      samples.push({ at: Date.now() - hit, throttled: throttled.requestCount(), other: fixture.requestCount() - other0 });
      await Promise.race([waiting, sleep(20)]);
    }
    const during = samples.filter((sample) => sample.at > 200 && sample.at < 2_700);
    const first = during[0]!;
    const last = during[during.length - 1]!;
    assert.equal(last.throttled, first.throttled, "no request reached the throttled host while it was held");
    assert.ok(last.other - first.other >= 10, `the other host kept being served (${last.other - first.other} requests)`);
    assert.equal(throttled.requestCount() - warmed, 5, "after the hold every throttled-host row was fetched once");
    assert.equal(status.state, "done");
  } finally {
    await throttled.close();
  }
});
