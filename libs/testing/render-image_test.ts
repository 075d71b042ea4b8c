import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { promisify } from "node:util";
import sharp from "sharp";
import { imagePath, type ImageSpec } from "./image-spec.ts";
import { renderImage } from "./render-image.ts";

const FIXTURES: readonly { name: string; spec: ImageSpec; format: string; channels: number; hasAlpha: boolean; space: string }[] = [
  { name: "photo jpg", spec: { kind: "photo", seed: 1, width: 320, height: 240, format: "jpg" }, format: "jpeg", channels: 3, hasAlpha: false, space: "srgb" },
  { name: "photo png", spec: { kind: "photo", seed: 2, width: 200, height: 300, format: "png" }, format: "png", channels: 3, hasAlpha: false, space: "srgb" },
  { name: "photo webp", spec: { kind: "photo", seed: 3, width: 257, height: 97, format: "webp" }, format: "webp", channels: 3, hasAlpha: false, space: "srgb" },
  { name: "alpha png", spec: { kind: "alpha", seed: 4, width: 160, height: 120, format: "png" }, format: "png", channels: 4, hasAlpha: true, space: "srgb" },
  { name: "alpha webp", spec: { kind: "alpha", seed: 5, width: 160, height: 120, format: "webp" }, format: "webp", channels: 4, hasAlpha: true, space: "srgb" },
  { name: "gray jpg", spec: { kind: "gray", seed: 6, width: 99, height: 101, format: "jpg" }, format: "jpeg", channels: 1, hasAlpha: false, space: "b-w" },
  { name: "gray png", spec: { kind: "gray", seed: 7, width: 64, height: 48, format: "png" }, format: "png", channels: 1, hasAlpha: false, space: "b-w" },
  { name: "one pixel", spec: { kind: "photo", seed: 8, width: 1, height: 1, format: "jpg" }, format: "jpeg", channels: 3, hasAlpha: false, space: "srgb" },
];

for (const { name, spec, ...expected } of FIXTURES) {
  test(`render-image: ${name} is deterministic and decodes as requested`, async () => {
    const [first, second] = await Promise.all([renderImage(spec), renderImage(spec)]);
    assert.ok(first.equals(second), "two renders differ");
    const { width, height, format, channels, hasAlpha, space } = await sharp(first).metadata();
    assert.deepEqual({ width, height, format, channels, hasAlpha, space }, { width: spec.width, height: spec.height, ...expected });
  });
}

test("render-image: alpha images have fully transparent corners and an opaque centre", async () => {
  const { data, info } = await sharp(await renderImage({ kind: "alpha", seed: 9, width: 100, height: 80, format: "png" }))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const alphaAt = (x: number, y: number) => data[(y * info.width + x) * info.channels + 3];
  assert.equal(alphaAt(0, 0), 0);
  assert.equal(alphaAt(99, 79), 0);
  assert.equal(alphaAt(50, 40), 255);
});

test("render-image: a 1920x1080 JPEG is photo-sized (a few hundred KB)", async () => {
  const bytes = await renderImage({ kind: "photo", seed: 10, width: 1920, height: 1080, format: "jpg" });
  assert.ok(bytes.length > 150_000 && bytes.length < 1_000_000, `${bytes.length} bytes`);
});

test("render-image: another process renders the same bytes", async () => {
  const spec: ImageSpec = { kind: "photo", seed: 11, width: 300, height: 200, format: "webp" };
  const script = `import { renderImage } from ${JSON.stringify(new URL("./render-image.ts", import.meta.url).href)};
    const bytes = await renderImage(${JSON.stringify(spec)});
    process.stdout.write((await import("node:crypto")).createHash("sha256").update(bytes).digest("hex"));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
  assert.equal(
    stdout,
    createHash("sha256")
      .update(await renderImage(spec))
      .digest("hex"),
  );
});

test("render-image: rejects specs it cannot honour, worded like sharp", async () => {
  const base: ImageSpec = { kind: "photo", seed: 1, width: 10, height: 10, format: "jpg" };
  const cases: readonly [Partial<ImageSpec>, RegExp][] = [
    [{ width: 0 }, /^Expected integer between 1 and 8000 for width but received 0$/],
    [{ height: 8001 }, /^Expected integer between 1 and 8000 for height but received 8001$/],
    [{ width: 1.5 }, /for width but received 1.5$/],
    [{ seed: -1 }, /^Expected non-negative integer for seed but received -1$/],
    [{ kind: "alpha", format: "jpg" }, /^Expected one of png, webp for alpha format but received jpg$/],
    [{ kind: "gray", format: "webp" }, /^Expected one of jpg, png for gray format but received webp$/],
  ];
  for (const [change, message] of cases) {
    await assert.rejects(renderImage({ ...base, ...change }), { message });
    assert.throws(() => imagePath({ ...base, ...change }), { message });
  }
});

test("render-image: imagePath names the server route", () => {
  assert.equal(imagePath({ kind: "photo", seed: 17, width: 640, height: 480, format: "jpg" }), "/img/photo/17/640x480.jpg");
});
