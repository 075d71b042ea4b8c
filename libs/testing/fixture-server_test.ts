import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { startFixtureServer, type FixtureServer } from "./fixture-server.ts";
import { imagePath, type ImageSpec } from "./image-spec.ts";
import { renderImage } from "./render-image.ts";

let server: FixtureServer;
before(async () => {
  server = await startFixtureServer();
});
after(() => server.close());

const get = (path: string, init?: RequestInit) => fetch(`${server.baseUrl}${path}`, init);
const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());

const IMAGES: readonly [ImageSpec, string][] = [
  [{ kind: "photo", seed: 17, width: 640, height: 480, format: "jpg" }, "image/jpeg"],
  [{ kind: "alpha", seed: 18, width: 300, height: 200, format: "png" }, "image/png"],
  [{ kind: "photo", seed: 19, width: 120, height: 360, format: "webp" }, "image/webp"],
  [{ kind: "gray", seed: 20, width: 50, height: 50, format: "png" }, "image/png"],
];

test("fixture-server: baseUrl is an ephemeral port on 127.0.0.1", () => {
  assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
});

for (const [spec, contentType] of IMAGES) {
  test(`fixture-server: serves ${imagePath(spec)} byte-identical to renderImage`, async () => {
    const response = await get(imagePath(spec));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), contentType);
    const body = await bytes(response);
    assert.equal(response.headers.get("content-length"), String(body.length));
    assert.ok(body.equals(await renderImage(spec)));
  });
}

test("fixture-server: bad image requests get 400, unknown paths 404", async () => {
  const cases: readonly [string, number][] = [
    ["/img/photo/1/0x10.jpg", 400],
    ["/img/photo/1/8001x10.jpg", 400],
    ["/img/alpha/1/10x10.jpg", 400],
    ["/img/gray/1/10x10.webp", 400],
    ["/img/photo/1/8000x1.jpg", 200],
    ["/img/sepia/1/10x10.jpg", 404],
    ["/img/photo/1/10x10.gif", 404],
    ["/nothing/here", 404],
    ["/", 404],
  ];
  for (const [path, status] of cases) {
    const response = await get(path);
    await response.arrayBuffer();
    assert.equal(response.status, status, path);
  }
});

test("fixture-server: /status answers with that code and a short text body", async () => {
  for (const code of [403, 404, 500, 503]) {
    const response = await get(`/status/${code}`);
    assert.equal(response.status, code);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    assert.ok((await response.text()).startsWith(String(code)));
    assert.equal(response.headers.get("retry-after"), null);
  }
  for (const code of [429, 503]) {
    const response = await get(`/status/${code}?retry_after=7`);
    await response.arrayBuffer();
    assert.equal(response.headers.get("retry-after"), "7");
  }
  const noContent = await get("/status/204");
  assert.equal(noContent.status, 204);
  assert.equal(await noContent.text(), "");
});

test("fixture-server: /redirect hops one 302 at a time and counts each hop", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 21, width: 64, height: 64, format: "jpg" };
  const path = `/redirect/2${imagePath(spec)}?x=1`;
  const first = await get(path, { redirect: "manual" });
  await first.arrayBuffer();
  assert.equal(first.status, 302);
  assert.equal(first.headers.get("location"), `/redirect/1${imagePath(spec)}?x=1`);

  const followed = await get(path);
  assert.equal(followed.status, 200);
  assert.ok((await bytes(followed)).equals(await renderImage(spec)));
  assert.equal(server.requestCount(path), 2);
  assert.equal(server.requestCount(`/redirect/1${imagePath(spec)}?x=1`), 1);
  assert.equal(server.requestCount(`/redirect/0${imagePath(spec)}?x=1`), 1);
});

test("fixture-server: /truncated sends a well-formed response carrying half an image", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 22, width: 400, height: 300, format: "jpg" };
  const whole = await renderImage(spec);
  const response = await get(`/truncated${imagePath(spec)}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "image/jpeg");
  const body = await bytes(response);
  assert.equal(response.headers.get("content-length"), String(body.length));
  assert.equal(body.length, Math.floor(whole.length / 2));
  assert.ok(body.equals(whole.subarray(0, body.length)));
  await assert.rejects(sharp(body).toBuffer());
});

test("fixture-server: /text serves the same small HTML page for a seed", async () => {
  const first = await get("/text/5.html");
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await first.text();
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.length < 4096);
  assert.equal(await (await get("/text/5.html")).text(), html);
  assert.notEqual(await (await get("/text/6.html")).text(), html);
});

test("fixture-server: /robots adds the decoded X-Robots-Tag to the inner response", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 23, width: 32, height: 32, format: "png" };
  const response = await get(`/robots/noai%2C%20noimageai${imagePath(spec)}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-robots-tag"), "noai, noimageai");
  assert.ok((await bytes(response)).equals(await renderImage(spec)));
  const bad = await get(`/robots/no%0Aai${imagePath(spec)}`);
  await bad.arrayBuffer();
  assert.equal(bad.status, 400);
});

test("fixture-server: /slow holds the response for the given milliseconds", async () => {
  const started = performance.now();
  const response = await get("/slow/150/status/404");
  const elapsed = performance.now() - started;
  await response.arrayBuffer();
  assert.equal(response.status, 404);
  assert.ok(elapsed >= 145, `answered after ${elapsed} ms`); // timers may fire a hair early
});

test("fixture-server: /flaky/N answers 503 to the first N requests of a target, then the inner route", async () => {
  const path = `/flaky/2${imagePath(IMAGES[0]![0])}`;
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await get(path);
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [503, 503, 200, 200]);
  assert.equal((await get("/flaky/0/status/404")).status, 404);
});

test("fixture-server: requestCount counts exact targets and the total", async () => {
  const before = server.requestCount();
  for (const path of ["/status/418?a=1", "/status/418?a=1", "/status/418"]) await (await get(path)).arrayBuffer();
  assert.equal(server.requestCount("/status/418?a=1"), 2);
  assert.equal(server.requestCount("/status/418"), 1);
  assert.equal(server.requestCount("/status/418?a=2"), 0);
  assert.equal(server.requestCount(), before + 3);
});

test("fixture-server: survives clients that hang up mid-request", async () => {
  const controller = new AbortController();
  const pending = get("/slow/200/img/photo/24/800x600.jpg", { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(pending, { name: "AbortError" });
  const response = await get("/status/200");
  assert.equal(await response.text(), "200 OK\n");
});

test("fixture-server: answers hundreds of concurrent requests", async () => {
  const specs = Array.from({ length: 4 }, (_, seed): ImageSpec => ({ kind: "photo", seed: 100 + seed, width: 500, height: 400, format: "jpg" }));
  const expected = await Promise.all(specs.map(renderImage));
  const bodies = await Promise.all(Array.from({ length: 300 }, async (_, i) => bytes(await get(imagePath(specs[i % specs.length]!)))));
  bodies.forEach((body, i) => assert.ok(body.equals(expected[i % specs.length]!), `response ${i}`));
});

test("fixture-server: close() resolves with an idle keep-alive and a slow request open", async () => {
  const other = await startFixtureServer();
  await (await fetch(`${other.baseUrl}/status/200`)).arrayBuffer(); // leaves an idle pooled socket
  const slow = fetch(`${other.baseUrl}/slow/30000/status/200`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  await other.close();
  assert.ok(performance.now() - started < 1000);
  await assert.rejects(slow);
  await other.close(); // idempotent
});

test("fixture-server: a .qN image is encoded at that quality", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 30, width: 320, height: 240, format: "jpg", quality: 90 };
  assert.equal(imagePath(spec), "/img/photo/30/320x240.q90.jpg");
  const body = await bytes(await get(imagePath(spec)));
  assert.ok(body.equals(await renderImage(spec)));
  const plain = await bytes(await get(imagePath({ ...spec, quality: undefined })));
  assert.ok(body.length > plain.length, "q90 is larger than the default q85");
  const png = await get("/img/photo/30/320x240.q90.png");
  assert.equal(png.status, 400);
  await png.arrayBuffer();
});

test("fixture-server: cacheDir keeps rendered images across servers and serves them from there", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fixture-cache-"));
  try {
    const spec: ImageSpec = { kind: "gray", seed: 31, width: 96, height: 64, format: "png" };
    const first = await startFixtureServer({ cacheDir: dir });
    const served = await bytes(await fetch(`${first.baseUrl}${imagePath(spec)}`));
    await first.close();
    const file = join(dir, imagePath(spec));
    assert.ok((await readFile(file)).equals(served));
    assert.ok(served.equals(await renderImage(spec)));
    await writeFile(file, "kept bytes");
    const second = await startFixtureServer({ cacheDir: dir });
    try {
      assert.equal(await (await fetch(`${second.baseUrl}${imagePath(spec)}`)).text(), "kept bytes");
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
