// Bodies for the hostile and unusual cases a crawler meets: bombs, odd colour models, vector images.
import { createDeflate, createGzip, crc32, type Deflate, type Gzip } from "node:zlib";
import sharp from "sharp";
import { renderPixels } from "./render-pixels.ts";

export const SPECIAL_IMAGES = ["cmyk.jpg", "rgb16.png", "palette.png", "gray-alpha.png", "animated.gif", "animated.webp", "exif-rotated.jpg"] as const;
export type SpecialImage = (typeof SPECIAL_IMAGES)[number];

/** Size of the special images as stored (exif-rotated.jpg displays as 48x64). */
export const SPECIAL_WIDTH = 64;
export const SPECIAL_HEIGHT = 48;
/** Pixel bomb: 20000 x 20000 (400 Mpx) of 8-bit grey, ~400 KB on the wire. */
export const PIXEL_BOMB_SIDE = 20_000;

const memo = new Map<string, Promise<Buffer>>();
const once = (key: string, make: () => Promise<Buffer>): Promise<Buffer> => {
  let value = memo.get(key);
  if (!value) memo.set(key, (value = make()));
  return value;
};

/** Deterministic bytes of one special image. */
export function specialImage(name: SpecialImage): Promise<Buffer> {
  return once(name, async () => {
    const { data, channels } = await renderPixels("photo", 7, SPECIAL_WIDTH, SPECIAL_HEIGHT);
    const photo = () => sharp(data, { raw: { width: SPECIAL_WIDTH, height: SPECIAL_HEIGHT, channels } });
    switch (name) {
      case "cmyk.jpg":
        return photo().toColourspace("cmyk").jpeg({ quality: 90 }).toBuffer();
      case "rgb16.png":
        return photo().toColourspace("rgb16").png().toBuffer();
      case "palette.png":
        return photo().png({ palette: true, colours: 16 }).toBuffer();
      case "gray-alpha.png":
        return photo().toColourspace("b-w").ensureAlpha(0.5).png().toBuffer();
      case "animated.gif":
      case "animated.webp": {
        // Three frames: red, then two others; a sample must show the first.
        const frame = (r: number, g: number, b: number) =>
          sharp({ create: { width: SPECIAL_WIDTH, height: SPECIAL_HEIGHT, channels: 3, background: { r, g, b } } })
            .png()
            .toBuffer();
        const frames = await Promise.all([frame(220, 20, 20), frame(20, 220, 20), frame(20, 20, 220)]);
        const animated = sharp(frames, { join: { animated: true } });
        return name === "animated.gif" ? animated.gif().toBuffer() : animated.webp({ lossless: true }).toBuffer();
      }
      case "exif-rotated.jpg":
        // Stored landscape, EXIF orientation 6: a viewer shows it portrait, rotated 90° clockwise.
        return photo()
          .jpeg({ quality: 90 })
          .withExif({ IFD0: { Make: "laion-dl", Model: "fixture camera" }, IFD2: { DateTimeOriginal: "2024:01:02 03:04:05" } })
          .withMetadata({ orientation: 6 })
          .toBuffer();
    }
  });
}

/** An SVG whose image and <use> point at `href`: decoding it must never fetch that URL. */
export function svgWithExternalRef(href: string): Buffer {
  const attribute = href.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">\n` +
      `<image href="${attribute}" x="0" y="0" width="64" height="64"/>\n<use xlink:href="${attribute}#shape"/>\n</svg>\n`,
  );
}

/** Gzip of `megabytes` MiB of zeros: about a thousandth of that on the wire. */
export function gzipBomb(megabytes: number): Promise<Buffer> {
  return once(`gzip-${megabytes}`, () => squeeze(createGzip({ level: 9 }), megabytes, 1 << 20));
}

/** A valid 20000x20000 greyscale PNG of zeros: the decoder, not the wire, pays for its size. */
export function pixelBomb(): Promise<Buffer> {
  return once("pixel-bomb", async () => {
    const row = PIXEL_BOMB_SIDE + 1; // filter byte + one byte per pixel
    const rowsPerChunk = 500;
    const idat = await squeeze(createDeflate({ level: 9 }), PIXEL_BOMB_SIDE / rowsPerChunk, row * rowsPerChunk);
    const header = Buffer.alloc(13);
    header.writeUInt32BE(PIXEL_BOMB_SIDE, 0);
    header.writeUInt32BE(PIXEL_BOMB_SIDE, 4);
    header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, adaptive filter, no interlace
    return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), pngChunk("IHDR", header), pngChunk("IDAT", idat), pngChunk("IEND", Buffer.alloc(0))]);
  });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Compresses `count` zero blocks of `blockBytes` without ever holding the uncompressed whole. */
async function squeeze(stream: Gzip | Deflate, count: number, blockBytes: number): Promise<Buffer> {
  const out: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve, reject) => stream.on("end", resolve).on("error", reject));
  const zeros = Buffer.alloc(blockBytes);
  for (let i = 0; i < count; i++) {
    if (!stream.write(zeros)) await new Promise((resolve) => stream.once("drain", resolve));
  }
  stream.end();
  await ended;
  return Buffer.concat(out);
}
