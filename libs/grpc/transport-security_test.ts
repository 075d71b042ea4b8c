import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { createTestCertificates, type TestCertificates } from "@laion-dl/testing";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channel-options.ts";
import { createClient } from "./client.ts";
import { loadContracts } from "./contracts.ts";
import type { HealthClient } from "./generated/grpc/health/v1/Health.ts";
import type { FetchServiceClient } from "./generated/laion_dl/v1/FetchService.ts";
import { startGrpcServer, type GrpcServer } from "./server.ts";
import { buf, callStream, echoFetch } from "./test-helpers.ts";
import { checkExposure, PLAINTEXT, readTransportSecurity, type TransportSecurity } from "./transport-security.ts";

const limits = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };
let dir: string;
let certs: TestCertificates;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "laion-dl-tls-"));
  certs = await createTestCertificates(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

const securityOf = (env: Record<string, string>): TransportSecurity => readTransportSecurity(env);

async function serve(security: TransportSecurity): Promise<GrpcServer> {
  const contracts = await loadContracts();
  const server = await startGrpcServer({
    host: "127.0.0.1",
    ...limits,
    security,
    services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }],
  });
  server.health.setAllServing(true);
  return server;
}

/** One Fetch over a fresh client: the echoed URL, or the call's status code. */
async function fetchWith(server: GrpcServer, security: TransportSecurity): Promise<string | number> {
  const contracts = await loadContracts();
  const client = createClient<FetchServiceClient>(contracts.fetch, server.address, {
    ...limits,
    security,
    channelOptions: { "grpc.initial_reconnect_backoff_ms": 50 },
  });
  try {
    const [response] = await callStream(client.Fetch({ deadline: Date.now() + 3_000 }), [{ id: 1, url: "https://example.invalid/a.jpg" }]);
    return response?.body?.toString() ?? "no response";
  } catch (error) {
    return (error as ServiceError).code;
  } finally {
    client.close();
  }
}

async function healthWith(server: GrpcServer, security: TransportSecurity): Promise<string | number> {
  const contracts = await loadContracts();
  const client = createClient<HealthClient>(contracts.health, server.address, { ...limits, security });
  try {
    return await new Promise((resolve) =>
      client.Check({ service: "" }, { deadline: Date.now() + 3_000 }, (error, response) => resolve(error ? error.code : String(response?.status))),
    );
  } finally {
    client.close();
  }
}

describe("grpc: mutual TLS", () => {
  let server: GrpcServer;
  before(async () => (server = await serve(securityOf({ LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key, LAION_DL_TLS_CA: certs.ca }))));
  after(() => server.shutdown(1_000));

  test("grpc: a client with a certificate the CA signed is served", async () => {
    const fleet = securityOf({ LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key, LAION_DL_TLS_CA: certs.ca });
    assert.equal(await fetchWith(server, fleet), "https://example.invalid/a.jpg");
  });

  const refused: [string, () => TransportSecurity][] = [
    ["plaintext", () => PLAINTEXT],
    ["TLS without a client certificate", () => securityOf({ LAION_DL_TLS_CA: certs.ca })],
    [
      "a certificate from another CA",
      () => securityOf({ LAION_DL_TLS_CERT: certs.impostorCert, LAION_DL_TLS_KEY: certs.impostorKey, LAION_DL_TLS_CA: certs.ca }),
    ],
  ];
  for (const [name, security] of refused) {
    test(`grpc: a client with ${name} is refused, health included`, async () => {
      assert.equal(await fetchWith(server, security()), status.UNAVAILABLE);
      assert.equal(await healthWith(server, security()), status.UNAVAILABLE);
    });
  }

  test("grpc: buf curl with the client certificate calls health; without it the handshake fails", async () => {
    const url = `https://localhost:${server.port}/grpc.health.v1.Health/Check`;
    const common = ["curl", "--protocol", "grpc", "--timeout", "5s", "--cacert", certs.ca, "-d", '{"service":""}'];
    const withCert = await buf([...common, "--cert", certs.cert, "--key", certs.key, url]);
    assert.equal(withCert.code, 0, withCert.stderr);
    assert.deepEqual(JSON.parse(withCert.stdout), { status: "SERVING" });
    const without = await buf([...common, url]);
    assert.notEqual(without.code, 0);
  });
});

describe("grpc: bearer token", () => {
  let server: GrpcServer;
  before(async () => (server = await serve(securityOf({ LAION_DL_AUTH_TOKEN: "s3cret-token" }))));
  after(() => server.shutdown(1_000));

  test("grpc: every call but health needs the token; a wrong one is UNAUTHENTICATED", async () => {
    assert.equal(await fetchWith(server, securityOf({ LAION_DL_AUTH_TOKEN: "s3cret-token" })), "https://example.invalid/a.jpg");
    assert.equal(await fetchWith(server, PLAINTEXT), status.UNAUTHENTICATED);
    assert.equal(await fetchWith(server, securityOf({ LAION_DL_AUTH_TOKEN: "s3cret-tokeN" })), status.UNAUTHENTICATED);
    assert.equal(await healthWith(server, PLAINTEXT), "SERVING");
  });

  test("grpc: reflection needs the token too (buf curl sends it with --reflect-header '*')", async () => {
    const url = `http://${server.address}`;
    const common = ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "5s", "--list-services"];
    const without = await buf([...common, url]);
    assert.notEqual(without.code, 0);
    assert.match(without.stderr, /not authenticated|unauthenticated/i);
    const withToken = await buf([...common, "-H", "Authorization: Bearer s3cret-token", "--reflect-header", "*", url]);
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.match(withToken.stdout, /laion_dl\.v1\.FetchService/);
  });
});

test("grpc: beyond loopback a server needs TLS or a token, or LAION_DL_INSECURE=True and a warning", async () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) assert.equal(checkExposure(host, PLAINTEXT), undefined, host);
  for (const host of ["0.0.0.0", "::", "10.0.0.7", "::ffff:10.0.0.7"]) {
    assert.throws(() => checkExposure(host, PLAINTEXT), /LAION_DL_INSECURE=True/, host);
  }
  assert.equal(checkExposure("0.0.0.0", securityOf({ LAION_DL_AUTH_TOKEN: "t" })), undefined);
  assert.equal(checkExposure("0.0.0.0", securityOf({ LAION_DL_TLS_CERT: certs.cert, LAION_DL_TLS_KEY: certs.key })), undefined);
  assert.match(checkExposure("0.0.0.0", securityOf({ LAION_DL_INSECURE: "True" })) ?? "", /without TLS or a token/);

  const contracts = await loadContracts();
  const warnings: string[] = [];
  await assert.rejects(startGrpcServer({ host: "0.0.0.0", ...limits, services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }] }), {
    name: "TransportSecurityError",
  });
  const server = await startGrpcServer({
    host: "0.0.0.0",
    ...limits,
    security: securityOf({ LAION_DL_INSECURE: "True" }),
    warn: (event) => warnings.push(event),
    services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }],
  });
  await server.shutdown(1_000);
  assert.deepEqual(warnings, ["insecure_listen"]);
});

test("grpc: a bad security setting names its variable", () => {
  assert.throws(
    () => securityOf({ LAION_DL_TLS_CERT: join(dir, "missing.pem"), LAION_DL_TLS_KEY: certs.key }),
    /LAION_DL_TLS_CERT but received .*missing\.pem \(ENOENT\)/,
  );
  assert.throws(() => securityOf({ LAION_DL_TLS_CERT: certs.cert }), /LAION_DL_TLS_CERT and LAION_DL_TLS_KEY together/);
  assert.throws(() => securityOf({ LAION_DL_INSECURE: "yes" }), /True or False for LAION_DL_INSECURE but received yes/);
  assert.throws(() => securityOf({ LAION_DL_AUTH_TOKEN: "two words" }), /LAION_DL_AUTH_TOKEN/);
});
