import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { connectBus, readNatsAuth } from "./mod.ts";

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), "laion-dl-nats-auth-"))));
after(() => rm(dir, { recursive: true, force: true }));

/** A nats-server whose config requires the given authorization block. */
async function natsRequiring(name: string, authorization: string): Promise<NatsServerProcess> {
  const config = join(dir, `${name}.conf`);
  await writeFile(config, `authorization {\n  ${authorization}\n}\n`);
  return startNatsServer({ configFile: config });
}

async function roundTrip(nats: NatsServerProcess, env: Record<string, string>): Promise<unknown> {
  const bus = await connectBus({ servers: nats.url, name: "auth-test", streamPrefix: "AUTH", connectTimeoutMs: 3_000, auth: readNatsAuth(env) });
  try {
    await bus.jobs.put("job-1", { state: "ingesting" });
    return await bus.jobs.get("job-1");
  } finally {
    await bus.close();
  }
}

describe("nats auth: a server that requires a user and password", () => {
  let nats: NatsServerProcess;
  before(async () => (nats = await natsRequiring("users", 'users = [{ user: "laion", password: "s3cret-pass" }]')));
  after(() => nats.stop());

  test("nats auth: the right user and password connect; none or a wrong one is refused", async () => {
    assert.deepEqual(await roundTrip(nats, { LAION_DL_NATS_USER: "laion", LAION_DL_NATS_PASSWORD: "s3cret-pass" }), { state: "ingesting" });
    await assert.rejects(roundTrip(nats, {}), { name: "BusError", message: /Authorization Violation/i });
    await assert.rejects(roundTrip(nats, { LAION_DL_NATS_USER: "laion", LAION_DL_NATS_PASSWORD: "guess" }), {
      name: "BusError",
      message: /Authorization Violation/i,
    });
  });
});

describe("nats auth: a server that requires a token", () => {
  let nats: NatsServerProcess;
  before(async () => (nats = await natsRequiring("token", 'token: "nats-token-1"')));
  after(() => nats.stop());

  test("nats auth: the token connects; another is refused", async () => {
    assert.deepEqual(await roundTrip(nats, { LAION_DL_NATS_TOKEN: "nats-token-1" }), { state: "ingesting" });
    await assert.rejects(roundTrip(nats, { LAION_DL_NATS_TOKEN: "nats-token-2" }), { name: "BusError" });
  });
});

test("nats auth: a bad setting names its variable", async () => {
  const pem = join(dir, "ca.pem");
  await writeFile(pem, "-----BEGIN CERTIFICATE-----\n");
  assert.throws(() => readNatsAuth({ LAION_DL_NATS_USER: "laion" }), /LAION_DL_NATS_USER and LAION_DL_NATS_PASSWORD together/);
  assert.throws(() => readNatsAuth({ LAION_DL_NATS_CREDS: join(dir, "missing.creds") }), /LAION_DL_NATS_CREDS but received .*missing\.creds \(ENOENT\)/);
  assert.throws(() => readNatsAuth({ LAION_DL_NATS_TOKEN: "t", LAION_DL_NATS_USER: "u", LAION_DL_NATS_PASSWORD: "p" }), /one way to authenticate/);
  assert.throws(() => readNatsAuth({ LAION_DL_NATS_TLS_CERT: pem }), /LAION_DL_NATS_TLS_CERT and LAION_DL_NATS_TLS_KEY together/);
  assert.deepEqual(readNatsAuth({}), {});
  assert.deepEqual(readNatsAuth({ LAION_DL_NATS_TLS_CA: pem }), { tls: { caFile: pem } });
});
