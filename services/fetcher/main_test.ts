import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDownloadOptions, stageOptionsOf } from "@laion-dl/config";
import { connectBus, type HostBackoffSignal, type SaturationAdvert } from "@laion-dl/bus";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type HealthClient } from "@laion-dl/grpc";
import { createRemoteStages } from "@laion-dl/stages";
import { imagePath, startFixtureServer, startNatsServer, startServiceProcess, waitFor } from "@laion-dl/testing";
import { readFetcherConfig } from "./config.ts";

const JOB = parseDownloadOptions({ url_list: "-", image_size: "64", encode_quality: "90", allow_private_network: "True" });

test("fetcher-service: config from flags and LAION_DL_* variables; its HTTP settings are limits on what a job may ask", () => {
  const { config, policy } = readFetcherConfig(["--port", "6000"], {
    LAION_DL_NATS_URL: "nats://n:4222",
    LAION_DL_LIMIT_TIMEOUT: "30",
    LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK: "True",
  });
  assert.equal(config.port, 6000);
  assert.equal(config.nats_url, "nats://n:4222");
  assert.equal(config.concurrency, 128);
  assert.equal(config.grace_ms, 20_000);
  assert.match(config.instance, /.+-\d+$/);
  assert.deepEqual(policy, {
    limit_timeout: 30,
    limit_retries: 100,
    limit_max_response_bytes: 1024 * 1024 * 1024,
    limit_max_redirects: 100,
    limit_allow_private_network: true,
    limit_ignore_ssl_certificate: false,
  });
  assert.throws(
    () => readFetcherConfig([], { LAION_DL_NATS_URL: "n", LAION_DL_LIMIT_TIMEOUT: "9999" }),
    /Expected a number from 0.001 to 3600 for LAION_DL_LIMIT_TIMEOUT/,
  );
  assert.throws(() => readFetcherConfig([], {}), /LAION_DL_NATS_URL \(or --nats_url\) is required/);
});

test("fetcher-service: a bad LAION_DL_CONCURRENCY exits 2 with a message naming the variable", async () => {
  const fetcher = startServiceProcess("fetcher", { LAION_DL_NATS_URL: "nats://127.0.0.1:1", LAION_DL_CONCURRENCY: "lots" });
  assert.equal(await fetcher.exited, 2);
  const text = fetcher.lines.map((line) => JSON.stringify(line)).join("\n");
  assert.match(text, /OptionError: .*LAION_DL_CONCURRENCY/);
  assert.ok(
    fetcher.lines.some((line) => line.event === "boot_failed"),
    text,
  );
});

test("fetcher-service: the process serves over gRPC once NATS is up, shares 429 back-offs, adverts its load and drains on SIGTERM", async () => {
  const nats = await startNatsServer();
  const fixture = await startFixtureServer();
  const contracts = await loadContracts();
  const fetcher = startServiceProcess("fetcher", {
    LAION_DL_NATS_URL: nats.url,
    LAION_DL_HOST: "127.0.0.1",
    LAION_DL_PORT: "0",
    LAION_DL_INSTANCE: "fetcher-under-test",
    LAION_DL_CONCURRENCY: "7",
    LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK: "True",
  });
  const bus = await connectBus({ servers: nats.url, name: "fetcher-test" });
  const adverts: SaturationAdvert[] = [];
  const backoffs: HostBackoffSignal[] = [];
  bus.signals.onSaturation((advert) => adverts.push(advert));
  bus.signals.onBackoff((signal) => backoffs.push(signal));
  let stages: ReturnType<typeof createRemoteStages> | undefined;
  let health: HealthClient | undefined;
  try {
    const { port } = await fetcher.waitForEvent("listening");
    const address = `127.0.0.1:${port as number}`;
    await fetcher.waitForEvent("serving");
    health = createClient<HealthClient>(contracts.health, address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
    const client = health;
    const check = () =>
      new Promise<string>((resolve, reject) =>
        client.Check({ service: "laion_dl.v1.FetchService" }, (error, response) => (error ? reject(error) : resolve(response!.status))),
      );
    assert.equal(await check(), "SERVING");

    stages = createRemoteStages({
      fetcherAddresses: address,
      transformerAddresses: "127.0.0.1:1",
      transform: stageOptionsOf("transform", JOB),
      fetch: stageOptionsOf("fetch", JOB),
    });
    const path = imagePath({ kind: "photo", seed: 9, width: 48, height: 32, format: "jpg" });
    const download = await stages.fetch(`${fixture.baseUrl}${path}`);
    assert.equal(download.body.subarray(0, 2).toString("hex"), "ffd8", "a JPEG");

    // Its 429 is published for every fetcher…
    await assert.rejects(stages.fetch(`${fixture.baseUrl}/status/429?retry_after=0`), /HTTP Error 429: Too Many Requests/);
    await waitFor(() => backoffs.some((signal) => signal.source === "fetcher-under-test"));
    assert.equal(backoffs[0]!.host, new URL(fixture.baseUrl).host);
    // …and a peer's back-off holds it off the host.
    bus.signals.publishBackoff({ host: new URL(fixture.baseUrl).host, untilEpochMs: Date.now() + 600, source: "another-fetcher" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await stages.fetch(`${fixture.baseUrl}${path}`);
    assert.ok(Date.now() - started >= 400, `held by the peer's back-off: ${Date.now() - started} ms`);

    await waitFor(() => adverts.some((advert) => advert.instance === "fetcher-under-test"), 3_000);
    assert.deepEqual(
      { ...adverts.find((advert) => advert.instance === "fetcher-under-test")!, atEpochMs: 0, inFlight: 0 },
      {
        service: "fetcher",
        instance: "fetcher-under-test",
        inFlight: 0,
        capacity: 7,
        atEpochMs: 0,
      },
    );

    // SIGTERM with a download in flight: it is answered, then the process exits 0.
    const slow = stages.fetch(`${fixture.baseUrl}/slow/400${path}`);
    await waitFor(() => fixture.requestCount(`/slow/400${path}`) === 1);
    fetcher.child.kill("SIGTERM");
    assert.ok((await slow).body.equals(download.body));
    assert.equal(await fetcher.exited, 0);
    assert.equal((await fetcher.waitForEvent("grpc_stopped")).how, "graceful");
    assert.ok(fetcher.lines.some((line) => line.event === "stopped"));
  } finally {
    fetcher.child.kill("SIGKILL");
    health?.close();
    await stages?.close();
    await bus.close();
    await fixture.close();
    await nats.stop();
  }
});
