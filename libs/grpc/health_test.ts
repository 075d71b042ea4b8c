import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channel-options.ts";
import { createClient, waitForReady } from "./client.ts";
import { loadContracts, SERVICE_NAMES } from "./contracts.ts";
import type { HealthClient } from "./generated/grpc/health/v1/Health.ts";
import type { HealthCheckResponse__Output } from "./generated/grpc/health/v1/HealthCheckResponse.ts";
import type { FetchServiceClient } from "./generated/laion_dl/v1/FetchService.ts";
import { startGrpcServer, type GrpcServer } from "./server.ts";
import { readTransportSecurity } from "./transport-security.ts";
import { createTestCertificates } from "@laion-dl/testing";
import { callStream, echoFetch, type FetchStream } from "./test-helpers.ts";

const options = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + 2000 }, (error, response) => (error ? reject(error) : resolve(response?.status ?? "")));
  });
}

test("grpc: health is NOT_SERVING at start, SERVING after setServing, NOT_SERVING once shutdown begins", async () => {
  const contracts = await loadContracts();
  const server = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }] });
  const health = createClient<HealthClient>(contracts.health, server.address, options);
  try {
    await waitForReady(health, 2000);
    assert.equal(await check(health, ""), "NOT_SERVING");
    assert.equal(await check(health, SERVICE_NAMES.fetch), "NOT_SERVING");
    await assert.rejects(check(health, "laion_dl.v1.Nope"), (error: ServiceError) => error.code === status.NOT_FOUND);

    server.health.setServing("", true);
    assert.equal(await check(health, ""), "SERVING");
    assert.equal(await check(health, SERVICE_NAMES.fetch), "NOT_SERVING");
    server.health.setAllServing(true);
    assert.equal(await check(health, SERVICE_NAMES.fetch), "SERVING");
    assert.throws(
      () => server.health.setServing("laion_dl.v1.Nope", true),
      /Expected one of "", "laion_dl.v1.FetchService" for service but received "laion_dl.v1.Nope"/,
    );

    // A Watch sees the flip to NOT_SERVING, then its stream ends, so the shutdown stays graceful.
    const watch = health.Watch({ service: "" });
    const seen: string[] = [];
    watch.on("data", (response: HealthCheckResponse__Output) => seen.push(response.status));
    const ended = once(watch, "end");
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(seen, ["SERVING"]);

    assert.equal(server.stopping.aborted, false);
    const shutdown = server.shutdown(3000);
    assert.equal(server.stopping.aborted, true);
    assert.equal(server.health.status(""), "NOT_SERVING");
    assert.equal(server.health.status(SERVICE_NAMES.fetch), "NOT_SERVING");
    server.health.setAllServing(true);
    assert.equal(server.health.status(""), "NOT_SERVING", "no way back to SERVING once stopping");
    await ended;
    assert.deepEqual(seen, ["SERVING", "NOT_SERVING"]);
    assert.equal(await shutdown, "graceful");
    assert.equal(await server.shutdown(3000), "graceful", "shutdown again returns the same result");
  } finally {
    health.close();
    await server.shutdown(100);
  }
});

test("grpc: the health-only port answers the same statuses in plaintext beside a TLS server, serves nothing else, and closes with it", async (t) => {
  const contracts = await loadContracts();
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-health-port-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const certs = await createTestCertificates(dir);
  const server = await startGrpcServer({
    host: "127.0.0.1",
    healthPort: 0,
    ...options,
    security: readTransportSecurity({ LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key, LAION_DL_TLS_CA: certs.ca }),
    services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }],
  });
  const at = `127.0.0.1:${server.healthPort}`;
  const health = createClient<HealthClient>(contracts.health, at, options);
  const fetcher = createClient<FetchServiceClient>(contracts.fetch, at, options);
  t.after(() => [health, fetcher].forEach((client) => client.close()));
  try {
    assert.notEqual(server.healthPort, server.port);
    assert.equal(await check(health, ""), "NOT_SERVING");
    server.health.setAllServing(true);
    assert.deepEqual([await check(health, ""), await check(health, SERVICE_NAMES.fetch)], ["SERVING", "SERVING"]);
    const refused = await new Promise<number>((resolve) => {
      const stream = fetcher.Fetch({ deadline: Date.now() + 2000 });
      stream.on("error", (error: ServiceError) => resolve(error.code));
      stream.end();
    });
    assert.equal(refused, status.UNIMPLEMENTED);
    assert.equal(await server.shutdown(3000), "graceful");
    await assert.rejects(check(health, ""), (error: ServiceError) => error.code === status.UNAVAILABLE);
  } finally {
    await server.shutdown(100);
  }
});

test("grpc: a bidi Fetch stream answers every request by id", async () => {
  const contracts = await loadContracts();
  const fetch = echoFetch();
  const server = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: fetch.handlers }] });
  const client = createClient<FetchServiceClient>(contracts.fetch, server.address, options);
  try {
    const stream = client.Fetch();
    const responses = callStream(stream, [
      { id: 1, url: "http://example.test/1.jpg" },
      { id: 2, url: "fail:timeout" },
    ]);
    assert.deepEqual(await responses, [
      { id: 1, body: Buffer.from("http://example.test/1.jpg"), retries: 0, result: "body" },
      {
        id: 2,
        failure: { message: "timeout", retryable: true, retry_after_seconds: 0, _retry_after_seconds: "retry_after_seconds" },
        retries: 0,
        result: "failure",
      },
    ]);
    assert.equal(fetch.served(), 2);
  } finally {
    client.close();
    assert.equal(await server.shutdown(2000), "graceful");
  }
});

test("grpc: shutdown is forced after graceMs while a stream stays open, graceful when handlers end streams on `stopping`", async () => {
  const contracts = await loadContracts();
  const leaky = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }] });
  let polite: GrpcServer | undefined;
  const endOnStop = echoFetch();
  const politeHandlers = {
    Fetch(call: Parameters<typeof endOnStop.handlers.Fetch>[0]) {
      polite?.stopping.addEventListener("abort", () => call.end(), { once: true });
      endOnStop.handlers.Fetch(call);
    },
  };
  polite = await startGrpcServer({ host: "127.0.0.1", ...options, services: [{ definition: contracts.fetch, implementation: politeHandlers }] });

  const open = async (address: string): Promise<{ stream: FetchStream; closed: Promise<string> }> => {
    const client = createClient<FetchServiceClient>(contracts.fetch, address, options);
    const stream = client.Fetch();
    const closed = new Promise<string>((resolve) => {
      stream.on("error", (error: ServiceError) => resolve(status[error.code]));
      stream.on("end", () => resolve("ended"));
    }).finally(() => client.close());
    stream.on("data", () => {});
    stream.write({ id: 1, url: "u" });
    await once(stream, "data"); // the call is running on the server
    return { stream, closed };
  };
  const toLeaky = await open(leaky.address);
  const toPolite = await open(polite.address);

  const started = Date.now();
  assert.equal(await leaky.shutdown(200), "forced");
  assert.ok(Date.now() - started >= 190);
  assert.equal(await toLeaky.closed, "CANCELLED");

  assert.equal(await polite.shutdown(2000), "graceful");
  assert.equal(await toPolite.closed, "ended");
});
