// Services against a nats-server whose config requires a user and password.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startNatsServer, type NatsServerProcess } from "@laion-dl/testing";
import { spawnService, startService } from "../helpers/services.ts";

let work: string;
let nats: NatsServerProcess;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "laion-dl-nats-auth-e2e-"));
  const config = join(work, "nats.conf");
  await writeFile(config, 'authorization {\n  users = [{ user: "fleet", password: "fleet-pass-1" }]\n}\n');
  nats = await startNatsServer({ configFile: config });
});

after(async () => {
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

test("nats-auth: a service with the credentials serves; one with a wrong password stops at boot naming the refusal", async () => {
  const fetcher = await startService("fetcher", { nats_url: nats.url, nats_user: "fleet", nats_password: "fleet-pass-1" });
  assert.equal(await fetcher.kill("SIGTERM"), 0);

  const intruder = await spawnService("fetcher", { nats_url: nats.url, nats_user: "fleet", nats_password: "guess" });
  assert.equal(await intruder.exited, 2);
  assert.match(JSON.stringify(intruder.log), /Authorization Violation/i);
});
