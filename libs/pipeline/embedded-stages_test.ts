import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import sharp from "sharp";
import { createFetcher } from "@laion-dl/fetch";
import type { TransformOptions } from "@laion-dl/transform";
import { bodyWindowLoad, createEmbeddedStages } from "./embedded-stages.ts";

const SMALL_JPEG: TransformOptions = {
  imageSize: 32,
  resizeMode: "border",
  resizeOnlyIfBigger: false,
  minImageSize: 0,
  maxImageArea: Infinity,
  maxAspectRatio: Infinity,
  encodeFormat: "jpg",
  encodeQuality: 90,
};

test("embedded stages: downloads stuck on a hung server leave the body window, so the image workers keep getting images", async () => {
  const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#3a7" } })
    .jpeg()
    .toBuffer();
  const server = createServer((req, res) => {
    if (req.url!.startsWith("/hang")) return; // never answers, like the WAN's hung servers
    res.writeHead(200, { "content-type": "image/jpeg" }).end(image);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetcher = createFetcher({ timeoutMs: 8_000, maxBytes: 1 << 20, maxRedirects: 0, retries: 0, userAgentToken: null, disallowedHeaderDirectives: [] });
  // A window as small as its floor (4 per image worker): 8 hung downloads would fill it twice over.
  const embedded = createEmbeddedStages(fetcher, SMALL_JPEG, { imageWorkers: 1, maxDownloads: 4 });
  try {
    const started = performance.now();
    let firstHungSettled = Infinity;
    const hung = Array.from({ length: 8 }, (_, i) =>
      embedded.stages.fetch(`${base}/hang/${i}`).then(
        () => assert.fail("a hung server cannot answer"),
        () => (firstHungSettled = Math.min(firstHungSettled, performance.now())),
      ),
    );
    const images = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const download = await embedded.stages.fetch(`${base}/img/${i}`);
        try {
          return await embedded.stages.transform(download.body);
        } finally {
          download.release?.();
        }
      }),
    );
    const imagesDone = performance.now();
    assert.equal(images.length, 20);
    for (const transformed of images) assert.deepEqual([transformed.width, transformed.height], [32, 32]);
    assert.ok(imagesDone - started < 6_000, `images took ${Math.round(imagesDone - started)} ms behind the hung downloads`);
    assert.equal(embedded.bodyWindow.active, 0, "every download that finished gave its window slot back, and the hung ones left it");
    server.closeAllConnections();
    await Promise.all(hung);
    assert.ok(imagesDone < firstHungSettled, "the images did not wait for the hung downloads' deadline");
  } finally {
    embedded.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fetcher.close();
  }
});

test("embedded stages: the body window opens from its floor, so a run's first bodies do not all arrive at once", async () => {
  let answered = 0;
  const server = createServer((_req, res) => {
    answered++;
    res.writeHead(200).end("x");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetcher = createFetcher({ timeoutMs: 8_000, maxBytes: 1 << 20, maxRedirects: 0, retries: 0, userAgentToken: null, disallowedHeaderDirectives: [] });
  const embedded = createEmbeddedStages(fetcher, SMALL_JPEG, { imageWorkers: 2, maxDownloads: 256 });
  try {
    assert.equal(embedded.bodyWindow.limit, 8, "4 bodies per image worker");
    // 64 samples ask at once: 8 download, the rest wait for a slot (the window then grows while
    // no image worker is busy, and every body handed back makes room).
    const downloads = Array.from({ length: 64 }, (_, i) => embedded.stages.fetch(`${base}/${i}`));
    assert.equal(embedded.bodyWindow.active, 8);
    assert.equal(embedded.bodyWindow.waiting, 56);
    await Promise.all(downloads.map(async (download) => (await download).release?.()));
    assert.equal(answered, 64);
  } finally {
    embedded.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fetcher.close();
  }
});

test("embedded stages: the body window grows while fewer bodies than workers wait, even with every worker busy, and shrinks only past 4 per worker", () => {
  const workers = 4;
  assert.equal(bodyWindowLoad(0, workers), "relaxed");
  assert.equal(bodyWindowLoad(workers - 1, workers), "relaxed"); // a burst of slow answers must not starve a worker
  assert.equal(bodyWindowLoad(workers, workers), "steady");
  assert.equal(bodyWindowLoad(4 * workers - 1, workers), "steady");
  assert.equal(bodyWindowLoad(4 * workers, workers), "saturated");
});
