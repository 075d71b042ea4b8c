import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { transformImage, TransformFailure, type TransformOptions } from "./transform-image.ts";

const options: TransformOptions = {
  imageSize: 224,
  resizeMode: "border",
  resizeOnlyIfBigger: false,
  minImageSize: 0,
  maxImageArea: Infinity,
  maxAspectRatio: Infinity,
  encodeFormat: "jpg",
  encodeQuality: 95,
};

/** A solid-colour image of the given size; `alpha` makes it fully transparent. */
function solid(width: number, height: number, format: "jpeg" | "png" | "webp", alpha = false): Promise<Buffer> {
  const background = alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : { r: 200, g: 30, b: 30, alpha: 1 };
  return sharp({ create: { width, height, channels: alpha ? 4 : 3, background } })
    .toFormat(format)
    .toBuffer();
}

test("transform: border resizes the long side and pads with white to a square JPEG", async () => {
  const result = await transformImage(await solid(640, 320, "jpeg"), options);
  assert.deepEqual([result.width, result.height, result.originalWidth, result.originalHeight], [224, 224, 640, 320]);
  const { data, info } = await sharp(result.image).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.format, "raw");
  assert.equal((await sharp(result.image).metadata()).format, "jpeg");
  const pixel = (x: number, y: number) => [...data.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3)];
  assert.ok(
    pixel(112, 2).every((v) => v > 245),
    `top padding is white: ${pixel(112, 2)}`,
  );
  assert.ok(pixel(112, 112)[0]! > 150 && pixel(112, 112)[1]! < 80, `centre keeps the image: ${pixel(112, 112)}`);
});

test("transform: alpha is composited onto white", async () => {
  const result = await transformImage(await solid(300, 300, "png", true), options);
  const { data } = await sharp(result.image).raw().toBuffer({ resolveWithObject: true });
  assert.ok(data.every((v) => v > 245));
});

test("transform: 'no' keeps the original geometry and encodes to the requested format", async () => {
  for (const encodeFormat of ["jpg", "png", "webp"] as const) {
    const result = await transformImage(await solid(123, 45, "webp"), { ...options, resizeMode: "no", encodeFormat });
    const metadata = await sharp(result.image).metadata();
    assert.deepEqual([metadata.width, metadata.height, metadata.format], [123, 45, encodeFormat === "jpg" ? "jpeg" : encodeFormat]);
  }
});

test("transform: the same input gives the same bytes", async () => {
  const input = await solid(1000, 700, "jpeg");
  const [a, b] = await Promise.all([transformImage(input, options), transformImage(input, options)]);
  assert.ok(a.image.equals(b.image));
});

test("transform: undecodable and out-of-bounds images fail with img2dataset's messages", async () => {
  const cases = [
    { name: "not an image", input: Buffer.from("<html>nope</html>"), options, message: "Image decoding error" },
    { name: "truncated jpeg", input: (await solid(800, 600, "jpeg")).subarray(0, 2000), options, message: "Image decoding error" },
    { name: "too small", input: await solid(50, 80, "png"), options: { ...options, minImageSize: 64 }, message: "image too small" },
    { name: "area", input: await solid(500, 500, "png"), options: { ...options, maxImageArea: 1000 }, message: "image area too large" },
    { name: "aspect", input: await solid(500, 100, "png"), options: { ...options, maxAspectRatio: 3 }, message: "aspect ratio too large" },
    {
      name: "svg",
      input: Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      options,
      message: "unsupported image format: svg",
    },
    {
      name: "svg after a comment",
      input: Buffer.from('<!-- hi --><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      options,
      message: "unsupported image format: svg",
    },
    { name: "pdf", input: Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\n"), options, message: "unsupported image format: pdf" },
    // A 1x4000 strip scaled so its short side is 256 would be a billion-pixel output.
    {
      name: "output bomb",
      input: await solid(1, 4000, "png"),
      options: { ...options, resizeMode: "keep_ratio" as const, imageSize: 256 },
      message: "image exceeds pixel limit",
    },
    // A 10000x1 strip bordered to 20000 px: a 2-row resize but a 400 Mpx padded canvas.
    {
      name: "padded canvas bomb",
      input: await solid(10_000, 1, "png"),
      options: { ...options, resizeMode: "border" as const, imageSize: 20_000, encodeFormat: "png" as const },
      message: "image exceeds pixel limit",
    },
  ];
  for (const c of cases) {
    await assert.rejects(transformImage(c.input, c.options), (error: unknown) => {
      assert.ok(error instanceof TransformFailure, c.name);
      assert.equal(error.message, c.message, c.name);
      return true;
    });
  }
});

test("transform: skip_reencode keeps bytes only when nothing but the encoding would change", async () => {
  const jpeg = await solid(64, 48, "jpeg");
  const kept = await transformImage(jpeg, { ...options, resizeMode: "no", skipReencode: true });
  assert.ok(kept.image.equals(jpeg));
  const resized = await transformImage(jpeg, { ...options, skipReencode: true });
  assert.ok(!resized.image.equals(jpeg), "a resize re-encodes");
  const png = await solid(64, 48, "png");
  assert.ok(!(await transformImage(png, { ...options, resizeMode: "no", skipReencode: true })).image.equals(png), "another format re-encodes");
});
