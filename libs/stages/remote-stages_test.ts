import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import sharp from "sharp";
import { createFetcher, FetchFailure } from "@laion-dl/fetch";
import { imagePath, type ImageSpec, startFixtureServer, waitFor } from "@laion-dl/testing";
import type { StageOptions } from "@laion-dl/config";
import { transformOptionsOf } from "@laion-dl/pipeline";
import { transformImage, TransformFailure } from "@laion-dl/transform";
import { createRemoteStages } from "./remote-stages.ts";
import { FETCHER_OPTIONS, HTTP_OPTIONS, startFetcherServer, startTransformerServer, TRANSFORM_OPTIONS } from "./test-servers.ts";

const CASES: readonly { name: string; spec: ImageSpec; transform: StageOptions<"transform"> }[] = [
  { name: "a JPEG photo, border to JPEG", spec: { kind: "photo", seed: 1, width: 640, height: 480, format: "jpg" }, transform: TRANSFORM_OPTIONS },
  {
    name: "a PNG with alpha, center_crop to WebP",
    spec: { kind: "alpha", seed: 2, width: 300, height: 500, format: "png" },
    transform: { ...TRANSFORM_OPTIONS, image_size: 128, resize_mode: "center_crop", encode_format: "webp", encode_quality: 80 },
  },
  {
    name: "a gray JPEG, keep_ratio to PNG, area and ratio limits",
    spec: { kind: "gray", seed: 3, width: 200, height: 100, format: "jpg" },
    transform: { ...TRANSFORM_OPTIONS, resize_mode: "keep_ratio", encode_format: "png", encode_quality: 6, max_image_area: 1e6, max_aspect_ratio: 3 },
  },
];

test("stages: fetch and transform over gRPC give exactly the local libs' bytes", async () => {
  const fixture = await startFixtureServer();
  const fetcher = await startFetcherServer();
  const transformer = await startTransformerServer();
  const local = createFetcher(FETCHER_OPTIONS);
  try {
    for (const { name, spec, transform } of CASES) {
      const stages = createRemoteStages({
        fetcherAddresses: fetcher.server.address,
        transformerAddresses: [transformer.server.address],
        transform,
        fetch: HTTP_OPTIONS,
      });
      try {
        const url = `${fixture.baseUrl}${imagePath(spec)}`;
        const [remote, direct] = await Promise.all([stages.fetch(url), local.fetch(url)]);
        assert.ok(remote.body.equals(direct.body), `${name}: same body`);
        assert.equal(remote.retries, 0);
        const [remoteImage, directImage] = await Promise.all([stages.transform(remote.body), transformImage(direct.body, transformOptionsOf(transform))]);
        assert.ok(remoteImage.image.equals(directImage.image), `${name}: same encoded bytes`);
        assert.deepEqual({ ...remoteImage, image: null }, { ...directImage, image: null }, `${name}: same sizes`);
        assert.equal(stages.inFlight(), 0);
      } finally {
        await stages.close();
      }
    }
  } finally {
    await local.close();
    assert.equal(await fetcher.stop(), "graceful", "no stream left open");
    assert.equal(await transformer.stop(), "graceful", "no stream left open");
    await fixture.close();
  }
});

test("stages: in-band failures reject with FetchFailure and TransformFailure", async () => {
  const fixture = await startFixtureServer();
  const fetcher = await startFetcherServer();
  const transformer = await startTransformerServer();
  const stages = createRemoteStages({
    fetcherAddresses: fetcher.server.address,
    transformerAddresses: transformer.server.address,
    transform: TRANSFORM_OPTIONS,
    fetch: HTTP_OPTIONS,
  });
  try {
    await assert.rejects(stages.fetch(`${fixture.baseUrl}/status/404`), (error: unknown) => {
      assert.ok(error instanceof FetchFailure);
      assert.equal(error.message, "HTTP Error 404: Not Found");
      assert.equal(error.retryable, false);
      return true;
    });
    await assert.rejects(stages.fetch(`${fixture.baseUrl}/status/503?retry_after=0`), (error: unknown) => {
      assert.ok(error instanceof FetchFailure);
      assert.equal(error.message, "HTTP Error 503: Service Unavailable");
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfter, 0, "present and 0: retry now");
      return true;
    });
    await assert.rejects(stages.fetch("ftp://example.invalid/x.jpg"), new FetchFailure("unsupported URL scheme", false));
    const page = await stages.fetch(`${fixture.baseUrl}/text/7.html`);
    await assert.rejects(stages.transform(page.body), (error: unknown) => {
      assert.ok(error instanceof TransformFailure);
      assert.equal(error.message, "Image decoding error");
      return true;
    });
    // The streams stay up after failures.
    const photo = await stages.fetch(`${fixture.baseUrl}${imagePath({ kind: "photo", seed: 4, width: 64, height: 64, format: "jpg" })}`);
    assert.equal((await stages.transform(photo.body)).width, 256);
  } finally {
    await stages.close();
    await fetcher.stop();
    await transformer.stop();
    await fixture.close();
  }
});

test("stages: requests spread over two fetchers, and killing one mid-flight loses none", async () => {
  const fixture = await startFixtureServer();
  const replicas = [await startFetcherServer(), await startFetcherServer()] as const;
  const [a, b] = replicas;
  const stages = createRemoteStages({
    fetcherAddresses: replicas.map((replica) => replica.server.address),
    transformerAddresses: "127.0.0.1:1", // unused here
    transform: TRANSFORM_OPTIONS,
    fetch: HTTP_OPTIONS,
  });
  const specs = Array.from({ length: 200 }, (_, i): ImageSpec => ({ kind: "photo", seed: i % 20, width: 32 + (i % 7), height: 32, format: "jpg" }));
  const expected = new Map<string, Buffer>();
  const local = createFetcher(FETCHER_OPTIONS);
  try {
    for (const spec of specs) expected.set(imagePath(spec), (await local.fetch(`${fixture.baseUrl}${imagePath(spec)}`)).body);

    // 200 requests, at most 32 outstanding, as an assembler's window sends them.
    const first = await windowed(specs, 32, (spec) => stages.fetch(`${fixture.baseUrl}${imagePath(spec)}`));
    first.forEach((download, i) => assert.ok(download.body.equals(expected.get(imagePath(specs[i]!))!), `body ${i}`));
    assert.equal(a.served() + b.served(), 200);
    assert.ok(a.served() > 0 && b.served() > 0, `both replicas served: ${a.served()} + ${b.served()}`);

    // 200 slow requests; replica a is killed (forced, no grace) while it downloads some of them.
    const before = { a: a.served(), b: b.served() };
    let settled = 0;
    const pending = specs.map((spec) =>
      stages.fetch(`${fixture.baseUrl}/slow/400${imagePath(spec)}`).then((download) => {
        settled++;
        return download;
      }),
    );
    await waitFor(() => a.service.inFlight() >= 10 && b.service.inFlight() >= 10);
    const heldByA = a.service.inFlight();
    assert.equal(await a.server.shutdown(0), "forced");
    const second = await Promise.all(pending);
    assert.equal(settled, 200, "each request resolved exactly once");
    second.forEach((download, i) => assert.ok(download.body.equals(expected.get(imagePath(specs[i]!))!), `body ${i} after the kill`));
    // a was killed long before its first 400 ms download finished: b answered all 200, among them
    // the ones a was downloading and the ones still queued on a's streams.
    assert.equal(b.served() - before.b, 200, `replica b answered every request (a was downloading ${heldByA})`);
    assert.equal(stages.inFlight(), 0);
  } finally {
    await stages.close();
    await local.close();
    await a.stop(0);
    await b.stop();
    await fixture.close();
  }
});

test("stages: a 20 MB original crosses both hops", async () => {
  // An uncompressed PNG of noise: 2600 x 2600 x 3 bytes ≈ 20.3 MB that is a real image.
  const noise = Buffer.alloc(2600 * 2600 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const png = await sharp(noise, { raw: { width: 2600, height: 2600, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  assert.ok(png.length > 20_000_000, `${png.length} bytes`);
  const origin = createServer((_req, res) => res.writeHead(200, { "content-type": "image/png", "content-length": png.length }).end(png));
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const fetcher = await startFetcherServer();
  const transformer = await startTransformerServer();
  const stages = createRemoteStages({
    fetcherAddresses: fetcher.server.address,
    transformerAddresses: transformer.server.address,
    transform: TRANSFORM_OPTIONS,
    fetch: HTTP_OPTIONS,
  });
  try {
    const download = await stages.fetch(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/big.png`);
    assert.ok(download.body.equals(png), "the body arrived intact");
    const image = await stages.transform(download.body);
    assert.deepEqual([image.width, image.height, image.originalWidth, image.originalHeight], [256, 256, 2600, 2600]);
  } finally {
    await stages.close();
    await fetcher.stop();
    await transformer.stop();
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  }
});

/** Runs `work` over `items` with at most `window` outstanding; results in item order. */
async function windowed<T, R>(items: readonly T[], window: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return results;
}
