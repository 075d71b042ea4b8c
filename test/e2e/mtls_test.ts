// The fleet with mutual TLS and a bearer token on every hop, certificates made by the test.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { parseDownloadOptions } from "@laion-dl/config";
import {
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  GrpcStatus,
  loadContracts,
  PLAINTEXT,
  readTransportSecurity,
  type AssemblerServiceClient,
  type FetchServiceClient,
  type HealthClient,
  type IngestServiceClient,
  type JobStatus__Output,
  type ServiceError,
  type TransformServiceClient,
  type TransportSecurity,
} from "@laion-dl/grpc";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import {
  createTestCertificates,
  imagePath,
  startFixtureServer,
  startNatsServer,
  type FixtureServer,
  type NatsServerProcess,
  type TestCertificates,
} from "@laion-dl/testing";
import { freePort, healthStatus, startService, type ServiceProcess } from "../helpers/services.ts";
import { outputDigests } from "../helpers/shards.ts";

const ROWS = 60;
const BUF = join(import.meta.dirname, "..", "node_modules", ".bin", "buf");

/** `buf curl` over plaintext HTTP/2: a client nobody here wrote, schema from server reflection. */
function bufCurl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "5s", ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}
const TOKEN = "mtls-e2e-token";
const limits = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

let nats: NatsServerProcess;
let fixture: FixtureServer;
let work: string;
let certs: TestCertificates;
let manifest: string;
let fleet: Record<"fetcher" | "transformer" | "assembler" | "ingest", ServiceProcess>;
const healthPorts: Record<keyof typeof fleet, number> = { fetcher: 0, transformer: 0, assembler: 0, ingest: 0 };

const jobOptions = (output: string) => ({
  input_format: "json",
  output_folder: output,
  image_size: "128",
  number_sample_per_shard: "25",
  thread_count: "16",
  allow_private_network: "True",
});

/** Client settings: the fleet's own files and token, minus what `without` names. */
function clientSecurity(without: "nothing" | "certificate" | "token" | "everything" | "impostor"): TransportSecurity {
  if (without === "everything") return PLAINTEXT;
  const env: Record<string, string> = { LAION_DL_TLS_CA: certs.ca, LAION_DL_AUTH_TOKEN: TOKEN };
  if (without !== "certificate") Object.assign(env, { LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key });
  if (without === "impostor") Object.assign(env, { LAION_DL_TLS_CERT: certs.impostorCert, LAION_DL_TLS_KEY: certs.impostorKey });
  if (without === "token") delete env.LAION_DL_AUTH_TOKEN;
  return readTransportSecurity(env);
}

function unary<Response>(invoke: (callback: (error: ServiceError | null, response?: Response) => void) => void): Promise<Response> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response!))));
}

const codeOf = (promise: Promise<unknown>): Promise<number | "ok"> =>
  promise.then(
    () => "ok" as const,
    (error: ServiceError) => error.code,
  );

before(async () => {
  work = await mkdtemp(join(tmpdir(), "laion-dl-mtls-"));
  [nats, fixture, certs] = await Promise.all([startNatsServer(), startFixtureServer(), createTestCertificates(work)]);
  manifest = join(work, "rows.json");
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    caption: `picture ${i}`,
    url: `${fixture.baseUrl}${i % 11 === 3 ? "/status/404" : imagePath({ kind: "photo", format: i % 2 ? "png" : "jpg", width: 200 + i, height: 150, seed: i })}`,
  }));
  await writeManifest(manifest, rows, "json");

  const tls = { tls_cert: certs.cert, tls_key: certs.key, tls_ca: certs.ca, auth_token: TOKEN };
  // Each service also serves plaintext health alone on a second port, as kubelet's probes need.
  for (const name of ["fetcher", "transformer", "assembler", "ingest"] as const) healthPorts[name] = await freePort();
  const fetcher = await startService("fetcher", { ...tls, health_port: healthPorts.fetcher, nats_url: nats.url, limit_allow_private_network: "True" });
  const transformer = await startService("transformer", {
    ...tls,
    health_port: healthPorts.transformer,
    nats_url: nats.url,
    fetcher_addresses: fetcher.address,
  });
  const [assembler, ingest] = await Promise.all([
    startService("assembler", {
      ...tls,
      health_port: healthPorts.assembler,
      nats_url: nats.url,
      fetcher_addresses: fetcher.address,
      transformer_addresses: transformer.address,
    }),
    startService("ingest", { ...tls, health_port: healthPorts.ingest, nats_url: nats.url, limit_allow_private_network: "True" }),
  ]);
  fleet = { fetcher, transformer, assembler, ingest };
});

after(async () => {
  await Promise.all(Object.values(fleet ?? {}).map((service) => service.kill("SIGKILL")));
  await fixture?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("mtls", () => {
  test("mtls: the fleet runs with mutual TLS and a token on every hop and writes the plaintext embedded run's bytes", async () => {
    const contracts = await loadContracts();
    const ingest = createClient<IngestServiceClient>(contracts.ingest, fleet.ingest.address, { ...limits, security: clientSecurity("nothing") });
    try {
      const output = join(work, "fleet");
      const { job_id } = await unary<{ job_id: string }>((cb) =>
        ingest.SubmitJob({ manifest_path: manifest, options_json: JSON.stringify(jobOptions(output)) }, cb),
      );
      let status: JobStatus__Output | undefined;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
        status = await unary<JobStatus__Output>((cb) => ingest.GetJob({ job_id }, cb));
        if (status.state === "done" || status.state === "failed") break;
      }
      assert.deepEqual([status?.state, status?.samples_done], ["done", ROWS]);

      const embedded = join(work, "embedded");
      await runDownload(parseDownloadOptions({ url_list: manifest, ...jobOptions(embedded) }));
      assert.deepEqual(await outputDigests(output), await outputDigests(embedded));
    } finally {
      ingest.close();
    }
  });

  test("mtls: `laion-dl submit` reaches ingest with the certificate and token from LAION_DL_TLS_* and LAION_DL_AUTH_TOKEN (the secure submit Job)", async () => {
    const output = join(work, "submitted");
    const args = ["submit", "--ingest", fleet.ingest.address, "--manifest_path", manifest, "--options_json", JSON.stringify(jobOptions(output)), "--wait"];
    const env = { ...process.env, LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key, LAION_DL_TLS_CA: certs.ca, LAION_DL_AUTH_TOKEN: TOKEN };
    const { stdout, stderr } = await promisify(execFile)(join(import.meta.dirname, "..", "..", "bin", "laion-dl"), args, { env });
    assert.match(stdout, /^job-/);
    assert.match(stderr, new RegExp(`done - shards done: 3/3 - samples: ${ROWS}`));
  });

  const refusals = [
    ["no client certificate", "certificate", GrpcStatus.UNAVAILABLE],
    ["a certificate another CA signed", "impostor", GrpcStatus.UNAVAILABLE],
    ["plaintext", "everything", GrpcStatus.UNAVAILABLE],
    ["a certificate but no token", "token", GrpcStatus.UNAUTHENTICATED],
  ] as const;
  for (const [name, without, code] of refusals) {
    test(`mtls: a client with ${name} is refused by every service, Drain, Fetch and Transform included`, async () => {
      const contracts = await loadContracts();
      const options = { ...limits, security: clientSecurity(without), channelOptions: { "grpc.initial_reconnect_backoff_ms": 50 } };
      const ingest = createClient<IngestServiceClient>(contracts.ingest, fleet.ingest.address, options);
      const assembler = createClient<AssemblerServiceClient>(contracts.assembler, fleet.assembler.address, options);
      const fetcher = createClient<FetchServiceClient>(contracts.fetch, fleet.fetcher.address, options);
      const transformer = createClient<TransformServiceClient>(contracts.transform, fleet.transformer.address, options);
      const deadline = () => ({ deadline: Date.now() + 5_000 });
      const streamCode = (stream: { on(event: "error", listener: (error: ServiceError) => void): unknown; end(): void }) =>
        new Promise<number>((resolve) => {
          stream.on("error", (error) => resolve(error.code));
          stream.end();
        });
      try {
        const codes = {
          SubmitJob: await codeOf(
            unary((cb) => ingest.SubmitJob({ manifest_path: manifest, options_json: JSON.stringify(jobOptions(join(work, "intruder"))) }, deadline(), cb)),
          ),
          GetJob: await codeOf(unary((cb) => ingest.GetJob({ job_id: "job-x" }, deadline(), cb))),
          GetStatus: await codeOf(unary((cb) => assembler.GetStatus({}, deadline(), cb))),
          Drain: await codeOf(unary((cb) => assembler.Drain({ grace_seconds: 0 }, deadline(), cb))),
          Fetch: await streamCode(fetcher.Fetch(deadline())),
          Transform: await streamCode(transformer.Transform(deadline())),
        };
        assert.deepEqual(codes, { SubmitJob: code, GetJob: code, GetStatus: code, Drain: code, Fetch: code, Transform: code });
      } finally {
        [ingest, assembler, fetcher, transformer].forEach((client) => client.close());
      }
    });
  }

  test("mtls: health answers a client with the certificate and no token (kubelet probes send none)", async () => {
    const contracts = await loadContracts();
    const health = createClient<HealthClient>(contracts.health, fleet.assembler.address, { ...limits, security: clientSecurity("token") });
    try {
      assert.equal(await healthStatus(health), "SERVING");
    } finally {
      health.close();
    }
  });

  test("mtls: the health port answers SERVING in plaintext while the gRPC port refuses plaintext, and serves nothing but health", async () => {
    const contracts = await loadContracts();
    const plaintext = { ...limits, security: PLAINTEXT };
    for (const [name, service] of Object.entries(fleet)) {
      const healthAddress = `127.0.0.1:${healthPorts[name as keyof typeof fleet]}`;
      const onHealthPort = createClient<HealthClient>(contracts.health, healthAddress, plaintext);
      const onGrpcPort = createClient<HealthClient>(contracts.health, service.address, plaintext);
      try {
        assert.equal(await healthStatus(onHealthPort), "SERVING", `${name}'s health port`);
        assert.equal(await healthStatus(onGrpcPort), "UNREACHABLE", `${name}'s gRPC port refuses plaintext`);
      } finally {
        onHealthPort.close();
        onGrpcPort.close();
      }
      // No reflection there: buf curl cannot even list the services.
      const listed = await bufCurl(["--list-services", `http://${healthAddress}`]);
      assert.notEqual(listed.code, 0, `${name}: reflection on the health port answered ${listed.stdout}`);
      assert.match(listed.stderr, /unimplemented/i);
    }
    // Each service's own calls, without a certificate or token, on its health port: UNIMPLEMENTED.
    const at = (name: keyof typeof fleet) => `127.0.0.1:${healthPorts[name]}`;
    const ingest = createClient<IngestServiceClient>(contracts.ingest, at("ingest"), plaintext);
    const assembler = createClient<AssemblerServiceClient>(contracts.assembler, at("assembler"), plaintext);
    const fetcher = createClient<FetchServiceClient>(contracts.fetch, at("fetcher"), plaintext);
    const deadline = () => ({ deadline: Date.now() + 5_000 });
    try {
      const codes = {
        SubmitJob: await codeOf(
          unary((cb) => ingest.SubmitJob({ manifest_path: manifest, options_json: JSON.stringify(jobOptions(join(work, "via-health"))) }, deadline(), cb)),
        ),
        Drain: await codeOf(unary((cb) => assembler.Drain({ grace_seconds: 0 }, deadline(), cb))),
        Fetch: await new Promise<number>((resolve) => {
          const stream = fetcher.Fetch(deadline());
          stream.on("error", (error: ServiceError) => resolve(error.code));
          stream.end();
        }),
      };
      const refused = GrpcStatus.UNIMPLEMENTED;
      assert.deepEqual(codes, { SubmitJob: refused, Drain: refused, Fetch: refused });
    } finally {
      [ingest, assembler, fetcher].forEach((client) => client.close());
    }
    // The Drain sent to the health port drained nothing.
    const health = createClient<HealthClient>(contracts.health, fleet.assembler.address, { ...limits, security: clientSecurity("nothing") });
    try {
      assert.equal(await healthStatus(health), "SERVING");
    } finally {
      health.close();
    }
  });
});
