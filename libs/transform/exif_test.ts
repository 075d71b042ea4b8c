import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { parseExif, readExif } from "./exif.ts";

test("exif: tags are named and printed the way exifread does", async () => {
  const jpeg = await sharp({ create: { width: 8, height: 4, channels: 3, background: "#808080" } })
    .jpeg()
    .withExif({ IFD0: { Make: "Canon", Model: "EOS" }, IFD2: { DateTimeOriginal: "2020:05:06 07:08:09" } })
    .withMetadata({ orientation: 8, density: 300 })
    .toBuffer();
  const tags = JSON.parse((await readExif(jpeg))!) as Record<string, string>;
  assert.deepEqual(
    [tags["Image Make"], tags["Image Model"], tags["Image Orientation"], tags["Image ResolutionUnit"], tags["EXIF DateTimeOriginal"], tags["EXIF ExifVersion"]],
    ["Canon", "EOS", "Rotated 90 CCW", "Pixels/Inch", "2020:05:06 07:08:09", "0210"],
  );
  assert.equal(
    await readExif(
      await sharp({ create: { width: 2, height: 2, channels: 3, background: "#000" } })
        .png()
        .toBuffer(),
    ),
    "{}",
  );
  assert.equal(await readExif(Buffer.from("not an image")), null);
});

test("exif: hostile blocks end cleanly: cycles, bad offsets, truncation", () => {
  // Big-endian TIFF whose IFD0 points back at itself as the next IFD, with one entry pointing past the end.
  const tiff = Buffer.from("4d4d002a00000008" + "0001" + "010f000200000010000000ff" + "00000008", "hex");
  assert.deepEqual(parseExif(tiff), {});
  assert.deepEqual(parseExif(Buffer.concat([Buffer.from("Exif\0\0"), tiff.subarray(0, 12)])), {});
  assert.throws(() => parseExif(Buffer.from("XXXX")), RangeError);
});
