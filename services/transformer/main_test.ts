import assert from "node:assert/strict";
import { test } from "node:test";
import { connectBus, type SaturationAdvert } from "@laion-dl/bus";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type HealthClient } from "@laion-dl/grpc";
import { createRemoteStages } from "@laion-dl/stages";
import { renderImage, startNatsServer, startServiceProcess } from "@laion-dl/testing";
import { readTransformerConfig } from "./config.ts";

const TRANSFORM = {
  imageSize: 64,
  resizeMode: "center_crop",
  resizeOnlyIfBigger: false,
  minImageSize: 0,
  maxImageArea: Infinity,
  maxAspectRatio: Infinity,
  encodeFormat: "webp",
  encodeQuality: 80,
} as const;

test("transformer-service: config defaults, and a bad LAION_DL_CONCURRENCY exits 2 naming the variable", async () => {
  const config = readTransformerConfig([], { LAION_DL_NATS_URL: "nats://n:4222" });
  assert.equal(config.port, 50052);
  assert.ok(config.concurrency >= 1);
  const transformer = startServiceProcess("transformer", { LAION_DL_NATS_URL: "nats://127.0.0.1:1", LAION_DL_CONCURRENCY: "-3" });
  assert.equal(await transformer.exited, 2);
  assert.match(transformer.lines.map((line) => JSON.stringify(line)).join("\n"), /OptionError: .*LAION_DL_CONCURRENCY/);
});

test("transformer-service: the process transforms over gRPC once NATS is up, adverts its load and stops on SIGTERM", async () => {
  const nats = await startNatsServer();
  const contracts = await loadContracts();
  const transformer = startServiceProcess("transformer", { LAION_DL_NATS_URL: nats.url, LAION_DL_HOST: "127.0.0.1", LAION_DL_PORT: "0", LAION_DL_INSTANCE: "transformer-under-test", LAION_DL_CONCURRENCY: "3" });
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
    const status = await new Promise<string>((resolve, reject) =>
      client.Check({ service: "laion_dl.v1.TransformService" }, (error, response) => (error ? reject(error) : resolve(response!.status))),
    );
    assert.equal(status, "SERVING");

    stages = createRemoteStages({ fetcherAddresses: "127.0.0.1:1", transformerAddresses: address, transform: TRANSFORM });
    const photo = await renderImage({ kind: "photo", seed: 5, width: 120, height: 90, format: "png" });
    const image = await stages.transform(photo);
    assert.deepEqual([image.width, image.height, image.originalWidth, image.originalHeight], [64, 64, 120, 90]);
    assert.equal(image.image.subarray(8, 12).toString("latin1"), "WEBP");
    await assert.rejects(stages.transform(Buffer.from("not an image")), /Image decoding error/);

    await waitFor(() => adverts.some((advert) => advert.instance === "transformer-under-test"), 3_000);
    const advert = adverts.find((candidate) => candidate.instance === "transformer-under-test")!;
    assert.equal(advert.service, "transformer");
    assert.equal(advert.capacity, 3);

    transformer.child.kill("SIGTERM");
    assert.equal(await transformer.exited, 0);
    assert.equal((await transformer.waitForEvent("grpc_stopped")).how, "graceful");
  } finally {
    transformer.child.kill("SIGKILL");
    health?.close();
    await stages?.close();
    await bus.close();
    await nats.stop();
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Expected the condition within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
