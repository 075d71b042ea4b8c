// Poison work cannot stall the fleet: a shard that fails on every delivery is parked after a bounded
// number of them (the assemblers' max_deliveries, 5), its job is marked failed naming the shard and
// the error (in GetJob and in `download --nats`), and the jobs after it still run. The poison here is
// a policy tightened after the jobs were accepted: the fetchers, restarted with a 5 s limit, refuse
// every request of the jobs that asked for 10 s, while a new job asking for 10 s is refused at once.
// A shard whose assembler dies on it each time (an OOM kill or a native crash on one of its images)
// is parked too, when taken after twice the bounded deliveries, instead of being redelivered forever.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, GrpcStatus, loadContracts, type IngestServiceClient, type JobStatus__Output } from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { imagePath, startFixtureServer, startNatsServer, waitFor, type FixtureServer, type NatsServerProcess } from "@laion-dl/testing";
import { freePort, startService, type ServiceProcess } from "../helpers/services.ts";

let nats: NatsServerProcess;
let fixture: FixtureServer;
const services: ServiceProcess[] = [];
let client: IngestServiceClient;
let work: string;
let manifest: string;
let fetcherPort: number;
let transformer: ServiceProcess;
const allowLocal = () => ({ nats_url: nats.url, limit_allow_private_network: "True" });
const assemblerSettings = () => ({
  nats_url: nats.url,
  fetcher_addresses: `127.0.0.1:${fetcherPort}`,
  transformer_addresses: transformer.address,
  ack_wait_ms: "3000",
  grace_ms: "5000",
});

const job = (output: string, timeout: string) => ({
  input_format: "json",
  output_folder: output,
  image_size: "32",
  number_sample_per_shard: "5",
  timeout,
  allow_private_network: "True",
});

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-poison-"));
  manifest = join(work, "rows.json");
  await writeManifest(
    manifest,
    Array.from({ length: 10 }, (_, i) => ({ url: `${fixture.baseUrl}${imagePath({ kind: "photo", seed: 900 + i, width: 40, height: 30, format: "jpg" })}` })),
    "json",
  );
  fetcherPort = await freePort();
  const fetcher = await started("fetcher", allowLocal(), { port: fetcherPort });
  transformer = await started("transformer", { nats_url: nats.url, fetcher_addresses: fetcher.address });
  const ingest = await started("ingest", allowLocal());
  client = createClient<IngestServiceClient>((await loadContracts()).ingest, ingest.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
});

after(async () => {
  client?.close();
  await Promise.all(services.map((service) => service.kill("SIGKILL")));
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

const started = async (...args: Parameters<typeof startService>) => {
  const service = await startService(...args);
  services.push(service);
  return service;
};

const call = <Response>(invoke: (callback: (error: Error | null, response?: Response) => void) => void) =>
  new Promise<Response>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
const submit = async (options: Record<string, unknown>, rows = manifest) =>
  (await call<{ job_id: string }>((cb) => client.SubmitJob({ manifest_path: rows, options_json: JSON.stringify(options) }, cb))).job_id;

async function waitForJob(jobId: string, timeoutMs = 120_000): Promise<JobStatus__Output> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await call<JobStatus__Output>((cb) => client.GetJob({ job_id: jobId }, cb));
    if (status.state === "done" || status.state === "failed") return status;
    if (Date.now() > deadline) throw new Error(`job ${jobId} not finished: ${JSON.stringify(status)}`);
    await sleep(200);
  }
}

test("poison: shards failing on every delivery are parked after 5, their jobs fail naming them (GetJob, download --nats), and the next job completes", async () => {
  // Accepted while every fetcher allows 10 s; no assembler runs yet.
  const poisoned = await submit(job(join(work, "poisoned"), "10"));
  const bin = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
  const flags = Object.entries({ url_list: manifest, ...job(join(work, "cli-poisoned"), "10") }).flatMap(([name, value]) => [`--${name}`, value]);
  const cli = spawn(bin, ["download", "--nats", nats.url, ...flags], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  cli.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const cliExit = once(cli, "exit") as Promise<[number | null, string | null]>;
  await waitFor(() => /2 queued for the fleet/.test(stdout), 60_000).catch(() => assert.fail(`download --nats did not queue its shards: ${stdout}${stderr}`));

  // The fetcher is restarted with a 5 s limit: a job asking for 10 s is now refused at submit.
  await services.find((service) => service.name === "fetcher")!.kill("SIGTERM");
  await started("fetcher", { ...allowLocal(), limit_timeout: "5" }, { port: fetcherPort });
  await assert.rejects(submit(job(join(work, "refused"), "10")), (error: { code?: number; details?: string }) => {
    assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(error.details ?? "", /^timeout 10 exceeds the fleet's limit 5 \(LAION_DL_LIMIT_TIMEOUT of fetcher /);
    return true;
  });
  const next = await submit(job(join(work, "next"), "5"));
  const assembler = await started("assembler", assemblerSettings());

  const parked =
    /shard [01] parked after 5 deliveries: RemoteStageError: .*refused by the fetcher: timeout 10 exceeds the fleet's limit 5 \(LAION_DL_LIMIT_TIMEOUT\)$/;
  const failed = await waitForJob(poisoned);
  assert.equal(failed.state, "failed");
  assert.match(failed.error, new RegExp(`^${parked.source}`));
  const [code] = await cliExit;
  assert.notEqual(code, 0);
  assert.match(stderr, new RegExp(`failed: ${parked.source}`, "m"));

  const done = await waitForJob(next);
  assert.deepEqual([done.state, done.shards_done, done.samples_done, done.error], ["done", 2, 10, ""]);
  await assembler.kill("SIGTERM");
});

// The bound counts the takes in the shard's record as well as JetStream's delivery count: one full
// run saw the latter start again at 1 (deliveries 1, 1, 1, 4, 1, ...), which alone never parked it.
test("poison: a shard its assemblers die on each time is parked when taken after 2 x max_deliveries, and the next job completes", async () => {
  const maxDeliveries = 2;
  // Answers take 3 s and come one at a time (15 s a shard), so no assembler finishes it before it is killed.
  const slowManifest = join(work, "slow-rows.json");
  await writeManifest(
    slowManifest,
    Array.from({ length: 5 }, (_, i) => ({
      url: `${fixture.baseUrl}/slow/3000${imagePath({ kind: "photo", seed: 950 + i, width: 40, height: 30, format: "jpg" })}`,
    })),
    "json",
  );
  const crashing = await submit({ ...job(join(work, "crashing"), "5"), thread_count: "1" }, slowManifest);
  const settings = { ...assemblerSettings(), ack_wait_ms: "1500", max_deliveries: String(maxDeliveries) };
  // The test plays the kernel's OOM killer (SIGKILL as the assembler takes the shard) and the
  // orchestrator (another assembler in its place); JetStream redelivers once the ack wait passes.
  let taken: Record<string, unknown> | undefined;
  let assembler: ServiceProcess;
  const deliveriesTaken: string[] = [];
  // Bounded: redelivered forever, the loop would fail here. (Killed assemblers' pulls, still open
  // on the server, can make the counts uneven: they are logged in the failure.)
  for (;;) {
    assembler = await started("assembler", settings);
    const log = assembler.log;
    await waitFor(() => (taken = log.find((line) => line.event === "shard_taken" && line.jobId === crashing)) !== undefined, 60_000).catch(
      async (error: Error) => {
        const shard = await call<JobStatus__Output>((cb) => client.GetJob({ job_id: crashing }, cb));
        const lines = log.map((line) => JSON.stringify(line)).join("\n");
        throw new Error(`${error.message}; deliveries taken: ${deliveriesTaken.join(", ")}; job: ${JSON.stringify(shard)}; the assembler logged:\n${lines}`);
      },
    );
    deliveriesTaken.push(`${String(taken!.delivery)} (stream message ${String(taken!.streamSequence)})`);
    // Past the bound, this assembler is left to park the shard (or the test fails below).
    if (Number(taken!.delivery) > 2 * maxDeliveries || deliveriesTaken.length > 4 * maxDeliveries) break;
    await assembler.kill("SIGKILL");
  }
  const parked = await waitForJob(crashing).catch((error: Error) => {
    const events = assembler.log.filter((line) => line.jobId === crashing).map((line) => `${String(line.event)} ${JSON.stringify(line)}`);
    throw new Error(`${error.message}; deliveries taken: ${deliveriesTaken.join(", ")}; the last assembler logged:\n${events.join("\n")}`);
  });
  assert.equal(parked.state, "failed", `deliveries taken: ${deliveriesTaken.join(", ")}`);
  const deliveries = /^shard 0 parked after (\d+) deliveries: PoisonShard: delivered \1 times without finishing \(its assemblers stopped or died on it\)$/.exec(
    parked.error,
  );
  assert.ok(deliveries && Number(deliveries[1]) > 2 * maxDeliveries, `${parked.error}; deliveries taken: ${deliveriesTaken.join(", ")}`);
  assert.ok(
    assembler!.log.some((line) => line.event === "shard_parked" && line.jobId === crashing),
    "the assembler that took it last parked it",
  );

  const next = await waitForJob(await submit(job(join(work, "after-crashes"), "5")));
  assert.deepEqual([next.state, next.shards_done, next.samples_done, next.error], ["done", 2, 10, ""]);
});
