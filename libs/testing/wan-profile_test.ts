import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startFixtureServer, type FixtureServer } from "./fixture-server.ts";
import { imagePath, type ImageSpec } from "./image-spec.ts";
import { renderImage } from "./render-image.ts";
import { closedLoopbackUrl, WAN_PROFILE, wanFate, wanRows } from "./wan-profile.ts";

let server: FixtureServer;
before(async () => {
  server = await startFixtureServer();
});
after(() => server.close());

const PATHS = Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? `/status/404?row=${i}` : `/img/photo/${i}/640x480.q90.jpg`));
const share = (predicate: (path: string) => boolean) => PATHS.filter(predicate).length / PATHS.length;
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

test("wan-profile: each URL's fate is fixed by seed and path, and the shares and latencies follow the profile", () => {
  const fates = PATHS.map((path) => wanFate(7, path));
  assert.deepEqual(
    PATHS.map((path) => wanFate(7, path)),
    fates,
    "same seed, same fates",
  );
  assert.notDeepEqual(
    PATHS.slice(0, 200).map((path) => wanFate(8, path)),
    fates.slice(0, 200),
    "another seed, other fates",
  );
  const kindShare = (kind: string) => share((path) => wanFate(7, path).kind === kind);
  assert.ok(Math.abs(kindShare("refused") - WAN_PROFILE.refusedShare) < 0.01, `refused ${kindShare("refused")}`);
  assert.ok(Math.abs(kindShare("hang") - WAN_PROFILE.hangShare) < 0.01, `hang ${kindShare("hang")}`);
  assert.ok(Math.abs(kindShare("drip") - WAN_PROFILE.dripShare) < 0.005, `drip ${kindShare("drip")}`);
  const firstByte = fates.flatMap((fate) => ("firstByteMs" in fate ? [fate.firstByteMs] : [])).sort((a, b) => a - b);
  const median = quantile(firstByte, 0.5);
  const p99 = quantile(firstByte, 0.99);
  assert.ok(median >= 135 && median <= 165, `median ${median} ms`);
  assert.ok(p99 >= 1600 && p99 <= 2500, `p99 ${p99} ms`);
  assert.ok(quantile(firstByte, 0.1) < 60 && quantile(firstByte, 0.9) > 350, "spread like a lognormal, not a constant");
  assert.ok(firstByte.at(-1)! <= WAN_PROFILE.maxMs);
});

test("wan-profile: wanRows puts each fate in the URL and keeps the path and caption", () => {
  const rows = PATHS.slice(0, 2000).map((path, i) => ({ caption: `c${i}`, url: `http://127.0.0.1:9${path}` }));
  const wan = wanRows(rows, { seed: 7, refusedBaseUrl: "http://127.0.0.1:1/" });
  wan.forEach((row, i) => {
    const path = PATHS[i]!;
    assert.equal(row.caption, `c${i}`);
    const fate = wanFate(7, path);
    const expected = {
      refused: `http://127.0.0.1:1${path}`,
      hang: `http://127.0.0.1:9/hang${path}`,
      drip: "firstByteMs" in fate ? `http://127.0.0.1:9/slow/${fate.firstByteMs}/throttle/${WAN_PROFILE.dripBytesPerSecond}${path}` : "",
      answer: "firstByteMs" in fate ? `http://127.0.0.1:9/slow/${fate.firstByteMs}${path}` : "",
    }[fate.kind];
    assert.equal(row.url, expected);
  });
});

test("wan-profile: the closed loopback port refuses connections", async () => {
  const url = await closedLoopbackUrl();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const error = await fetch(`${url}/img/photo/1/64x48.jpg`).then(
    () => assert.fail("expected a refused connection"),
    (caught: unknown) => caught as Error & { cause?: { code?: string } },
  );
  assert.equal(error.cause?.code, "ECONNREFUSED");
});

test("wan-profile: /hang sends nothing until the client gives up", async () => {
  const path = `/hang${imagePath({ kind: "photo", seed: 3, width: 64, height: 48, format: "jpg" })}`;
  const started = performance.now();
  await assert.rejects(fetch(`${server.baseUrl}${path}`, { signal: AbortSignal.timeout(400) }), { name: "TimeoutError" });
  assert.ok(performance.now() - started >= 390);
  assert.equal(server.requestCount(path), 1, "the request reached the server");
});

test("wan-profile: /throttle serves the same bytes at the given rate", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 5, width: 160, height: 120, format: "jpg", quality: 90 };
  const expected = await renderImage(spec);
  const rate = Math.ceil(expected.length / 0.6); // about 0.6 s for the whole body
  await (await fetch(`${server.baseUrl}${imagePath(spec)}`)).arrayBuffer(); // rendered and cached first
  const started = performance.now();
  const response = await fetch(`${server.baseUrl}/throttle/${rate}${imagePath(spec)}`);
  const body = Buffer.from(await response.arrayBuffer());
  const seconds = (performance.now() - started) / 1000;
  assert.equal(response.status, 200);
  assert.ok(body.equals(expected));
  assert.ok(seconds >= 0.55, `took ${seconds.toFixed(2)} s`);
  const refused = await fetch(`${server.baseUrl}/throttle/1${imagePath(spec)}`);
  assert.equal(refused.status, 400);
  await refused.arrayBuffer();
});
