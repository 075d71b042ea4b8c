// SubmitJob refuses, with INVALID_ARGUMENT naming the option, any job it cannot run as asked: malformed
// or unknown options, values outside the option table's bounds, and options beyond the fleet's policy:
// ingest's LAION_DL_LIMIT_* settings and those each running fetcher publishes (and enforces on every
// request), whichever is stricter. `download --nats` is refused the same way.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, GrpcStatus, loadContracts, type IngestServiceClient } from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { startService, type ServiceProcess } from "../helpers/services.ts";

let nats: NatsServerProcess;
let ingest: ServiceProcess;
let client: IngestServiceClient;
let work: string;
let manifest: string;

before(async () => {
  nats = await startNatsServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-submit-"));
  manifest = join(work, "rows.jsonl");
  await writeManifest(manifest, [{ url: "http://127.0.0.1:1/a.jpg" }], "jsonl");
  // The policy: private addresses forbidden (the default), at most 30 s per download.
  ingest = await startService("ingest", { nats_url: nats.url, limit_timeout: "30" });
  client = createClient<IngestServiceClient>((await loadContracts()).ingest, ingest.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
});

after(async () => {
  client?.close();
  await ingest?.kill("SIGKILL");
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

function submit(options_json: string, to = { client, manifest }): Promise<{ code: number; details: string } | { job_id: string }> {
  return new Promise((resolve) =>
    to.client.SubmitJob({ manifest_path: to.manifest, options_json }, (error, response) =>
      resolve(error ? { code: (error as { code: number }).code, details: (error as { details: string }).details } : { job_id: response!.job_id }),
    ),
  );
}

const output = () => join(work, "out");

const REFUSED: ReadonlyArray<[string, () => string, RegExp]> = [
  [
    "a job asking for private addresses",
    () => JSON.stringify({ output_folder: output(), allow_private_network: true }),
    /^allow_private_network True is not allowed by the fleet's policy \(LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK is False\)$/,
  ],
  [
    "a timeout above the policy",
    () => JSON.stringify({ output_folder: output(), timeout: 60 }),
    /^timeout 60 exceeds the fleet's limit 30 \(LAION_DL_LIMIT_TIMEOUT\)$/,
  ],
  [
    "a value outside the option's bounds",
    () => JSON.stringify({ output_folder: output(), oom_shard_count: 1_000_000_000 }),
    /^Expected a number from 1 to 12 for options_json\.oom_shard_count but received 1000000000$/,
  ],
  ["an unknown option", () => JSON.stringify({ output_folder: output(), image_sise: 224 }), /^unknown option options_json\.image_sise$/],
  ["options_json that is not JSON", () => "{image_size: 224", /^options_json is not JSON: /],
  ["options_json that is not an object", () => "[224]", /^options_json must be a JSON object of download options but is an array$/],
  ["url_list among the options", () => JSON.stringify({ output_folder: output(), url_list: "/etc/passwd" }), /^options_json\.url_list is not accepted/],
];

for (const [name, options, message] of REFUSED) {
  test(`submit-job: ${name} is refused with INVALID_ARGUMENT naming the option`, async () => {
    const result = await submit(options());
    assert.ok("code" in result, `refused, not ${JSON.stringify(result)}`);
    assert.equal(result.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(result.details, message);
  });
}

test("submit-job: a job within the policy is accepted, and its speed options do not change its id", async () => {
  const first = await submit(JSON.stringify({ output_folder: output(), timeout: 30, thread_count: 8 }));
  const second = await submit(JSON.stringify({ output_folder: output(), timeout: 30, thread_count: 64, processes_count: 3 }));
  assert.ok("job_id" in first && "job_id" in second, JSON.stringify([first, second]));
  assert.equal(first.job_id, second.job_id);
});

test("submit-job: a fetcher's stricter published policy refuses the job at submit and in download --nats, until the fetcher stops", async () => {
  // Ingest allows 30 s per download; this fetcher 20 s.
  const fetcher = await startService("fetcher", { nats_url: nats.url, instance: "strict-1", limit_timeout: "20" });
  try {
    const message = /^timeout 25 exceeds the fleet's limit 20 \(LAION_DL_LIMIT_TIMEOUT of fetcher strict-1\)$/;
    const refused = await submit(JSON.stringify({ output_folder: output(), timeout: 25 }));
    assert.ok("code" in refused, `refused, not ${JSON.stringify(refused)}`);
    assert.equal(refused.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(refused.details, message);
    // Within both: accepted.
    assert.ok("job_id" in (await submit(JSON.stringify({ output_folder: output(), timeout: 20 }))));

    const bin = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
    const flags = ["--url_list", manifest, "--input_format", "jsonl", "--output_folder", join(work, "cli"), "--timeout", "25"];
    await assert.rejects(promisify(execFile)(bin, ["download", "--nats", nats.url, ...flags], { cwd: work }), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? "", /^laion-dl: OptionError: timeout 25 exceeds the fleet's limit 20 \(LAION_DL_LIMIT_TIMEOUT of fetcher strict-1\)$/m);
      return true;
    });
  } finally {
    await fetcher.kill("SIGTERM");
  }
  // A fetcher that stopped withdraws its policy: ingest's own applies again.
  assert.ok("job_id" in (await submit(JSON.stringify({ output_folder: output(), timeout: 25 }))));
});

test("submit-job: while a job is being ingested, the same job joins it and an overwrite of it is refused with FAILED_PRECONDITION", async (t) => {
  // No assembler finishes a shard, so an ingest allowed one outstanding shard stays on the second of three.
  const holding = await startService("ingest", { nats_url: nats.url, max_outstanding: 1 });
  const holdingClient = createClient<IngestServiceClient>((await loadContracts()).ingest, holding.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  t.after(async () => {
    holdingClient.close();
    await holding.kill("SIGKILL");
  });
  const rows = join(work, "three.jsonl");
  await writeManifest(
    rows,
    ["a", "b", "c"].map((name) => ({ url: `http://127.0.0.1:1/${name}.jpg` })),
    "jsonl",
  );
  const to = { client: holdingClient, manifest: rows };
  const options = { output_folder: join(work, "held"), number_sample_per_shard: 1 };

  const first = await submit(JSON.stringify(options), to);
  assert.ok("job_id" in first, JSON.stringify(first));
  assert.deepEqual(await submit(JSON.stringify(options), to), first);
  const overwrite = await submit(JSON.stringify({ ...options, incremental_mode: "overwrite" }), to);
  assert.ok("code" in overwrite, `refused, not ${JSON.stringify(overwrite)}`);
  assert.equal(overwrite.code, GrpcStatus.FAILED_PRECONDITION);
  assert.equal(overwrite.details, `job ${first.job_id} is still being ingested: submit it with incremental_mode overwrite once GetJob says it has ended`);
});
