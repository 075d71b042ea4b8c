import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDownloadOptions, stageOptionsOf } from "@laion-dl/config";
import { connectBus, type SaturationAdvert } from "@laion-dl/bus";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type HealthClient } from "@laion-dl/grpc";
import { createHash } from "node:crypto";
import { FetchFailure } from "@laion-dl/fetch";
import { createRemoteStages } from "@laion-dl/stages";
import { imagePath, renderImage, startFixtureServer, startNatsServer, startServiceProcess, waitFor } from "@laion-dl/testing";
import { readTransformerConfig } from "./config.ts";

const JOB = parseDownloadOptions({
  url_list: "-",
  image_size: "64",
  resize_mode: "center_crop",
  encode_format: "webp",
  encode_quality: "80",
  extract_exif: "False",
  allow_private_network: "True",
});

test("transformer-service: config defaults, and a bad LAION_DL_CONCURRENCY exits 2 naming the variable", async () => {
  const config = readTransformerConfig([], { LAION_DL_NATS_URL: "nats://n:4222", LAION_DL_FETCHER_ADDRESSES: "f:50051" });
  assert.equal(config.port, 50052);
  assert.ok(config.concurrency >= 1);
  const transformer = startServiceProcess("transformer", {
    LAION_DL_NATS_URL: "nats://127.0.0.1:1",
    LAION_DL_FETCHER_ADDRESSES: "127.0.0.1:1",
    LAION_DL_CONCURRENCY: "-3",
  });
  assert.equal(await transformer.exited, 2);
  assert.match(transformer.lines.map((line) => JSON.stringify(line)).join("\n"), /OptionError: .*LAION_DL_CONCURRENCY/);
});

test("transformer-service: serves once NATS and its fetchers answer; transforms images and URLs (downloaded through a fetcher); adverts its load; stops on SIGTERM", async () => {
  const nats = await startNatsServer();
  const fixture = await startFixtureServer();
  const contracts = await loadContracts();
  const fetcher = startServiceProcess("fetcher", {
    LAION_DL_NATS_URL: nats.url,
    LAION_DL_HOST: "127.0.0.1",
    LAION_DL_PORT: "0",
    LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK: "True",
  });
  const { port: fetcherPort } = await fetcher.waitForEvent("listening");
  const transformer = startServiceProcess("transformer", {
    LAION_DL_NATS_URL: nats.url,
    LAION_DL_FETCHER_ADDRESSES: `127.0.0.1:${fetcherPort as number}`,
    LAION_DL_HOST: "127.0.0.1",
    LAION_DL_PORT: "0",
    LAION_DL_INSTANCE: "transformer-under-test",
    LAION_DL_CONCURRENCY: "3",
  });
  const bus = await connectBus({ servers: nats.url, name: "transformer-test" });
  const adverts: SaturationAdvert[] = [];
  bus.signals.onSaturation((advert) => adverts.push(advert));
  let stages: ReturnType<typeof createRemoteStages> | undefined;
  let health: HealthClient | undefined;
  try {
    const { port } = await transformer.waitForEvent("listening");
    const address = `127.0.0.1:${port as number}`;
    await transformer.waitForEvent("serving");
    health = createClient<HealthClient>(contracts.health, address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
    const client = health;
    const status = () =>
      new Promise<string>((resolve, reject) =>
        client.Check({ service: "laion_dl.v1.TransformService" }, (error, response) => (error ? reject(error) : resolve(response!.status))),
      );
    await waitFor(async () => (await status()) === "SERVING");

    stages = createRemoteStages({
      fetcherAddresses: "127.0.0.1:1",
      transformerAddresses: address,
      transform: stageOptionsOf("transform", JOB),
      fetch: stageOptionsOf("fetch", JOB),
    });
    const photo = await renderImage({ kind: "photo", seed: 5, width: 120, height: 90, format: "png" });
    const image = await stages.transform(photo);
    assert.deepEqual([image.width, image.height, image.originalWidth, image.originalHeight], [64, 64, 120, 90]);
    assert.equal(image.image.subarray(8, 12).toString("latin1"), "WEBP");
    await assert.rejects(stages.transform(Buffer.from("not an image")), /Image decoding error/);

    // A URL: the fetcher downloads it, the transformer hashes and transforms it; same bytes as sending the image.
    const fetched = await stages.fetchAndTransform(`${fixture.baseUrl}${imagePath({ kind: "photo", seed: 5, width: 120, height: 90, format: "png" })}`, [
      "sha256",
      "md5",
    ]);
    assert.deepEqual(fetched.digests, { sha256: createHash("sha256").update(photo).digest("hex"), md5: createHash("md5").update(photo).digest("hex") });
    assert.deepEqual([fetched.downloadedBytes, fetched.retries], [photo.length, 0]);
    assert.ok(!(fetched.transformed instanceof Error));
    assert.ok(fetched.transformed.image.equals(image.image));
    const refused = await stages.fetchAndTransform(`${fixture.baseUrl}/text/200.html`, []);
    assert.equal(refused.transformed instanceof Error && refused.transformed.message, "Image decoding error");
    await assert.rejects(
      stages.fetchAndTransform(`${fixture.baseUrl}/status/404`, []),
      (error: unknown) => error instanceof FetchFailure && /^HTTP Error 404/.test(error.message),
    );

    await waitFor(() => adverts.some((advert) => advert.instance === "transformer-under-test"), 3_000);
    const advert = adverts.find((candidate) => candidate.instance === "transformer-under-test")!;
    assert.equal(advert.service, "transformer");
    assert.equal(advert.capacity, 3 * 5, "3 slots, each with room for 4 queued images");

    transformer.child.kill("SIGTERM");
    assert.equal(await transformer.exited, 0);
    assert.equal((await transformer.waitForEvent("grpc_stopped")).how, "graceful");
  } finally {
    transformer.child.kill("SIGKILL");
    fetcher.child.kill("SIGKILL");
    health?.close();
    await stages?.close();
    await bus.close();
    await fixture.close();
    await nats.stop();
  }
});
