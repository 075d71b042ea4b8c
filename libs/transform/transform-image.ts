import sharp, { type KernelEnum, type Metadata } from "sharp";
import { exifJson } from "./exif.ts";
import { computeGeometry, type ResizeMode } from "./geometry.ts";

/** img2dataset's (OpenCV's) filter names. */
export type Interpolation = "nearest" | "linear" | "bilinear" | "cubic" | "bicubic" | "area" | "lanczos" | "lanczos4";

export interface TransformOptions {
  readonly imageSize: number;
  readonly resizeMode: ResizeMode;
  readonly resizeOnlyIfBigger: boolean;
  readonly minImageSize: number;
  readonly maxImageArea: number;
  readonly maxAspectRatio: number;
  readonly encodeFormat: "jpg" | "png" | "webp";
  /** JPEG/WebP quality; for PNG the zlib compression level (0-9), as in img2dataset. */
  readonly encodeQuality: number;
  /** Filter when enlarging; default lanczos. */
  readonly upscaleInterpolation?: Interpolation;
  /** Filter when shrinking; default area. */
  readonly downscaleInterpolation?: Interpolation;
  /** Rotate by the EXIF orientation (default true); false gives img2dataset's unrotated output. */
  readonly applyExifOrientation?: boolean;
  /** Keep the input bytes when nothing would change but the encoding (img2dataset's skip_reencode). */
  readonly skipReencode?: boolean;
  /** Also return the EXIF tags (the exif column), read from the header this transform parses anyway. */
  readonly extractExif?: boolean;
}

export interface TransformedImage {
  readonly image: Buffer;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** The exif column's JSON string when extractExif was asked ("{}" without EXIF, null if unreadable). */
  readonly exif?: string | null;
}

/** An image that could not be turned into a sample; `message` is the error_message. */
export class TransformFailure extends Error {
  override readonly name = "TransformFailure";
}

/**
 * Decoded pixels allowed in (and out of) one image: Pillow's decompression-bomb limit, which
 * img2dataset users already live with. 179 Mpx is ~540 MB of RGB, so a few at once stay in memory.
 */
export const MAX_IMAGE_PIXELS = 2 * 89_478_485;
export const PIXEL_LIMIT_MESSAGE = "image exceeds pixel limit";

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
// Formats that can reference external resources or run a renderer; never decoded.
const REFUSED_FORMATS = new Set(["svg", "pdf", "magick", "openslide"]);
// Belt and braces: even a vector file that slips past the sniffing below cannot reach its loader.
sharp.block({ operation: ["VipsForeignLoadSvg", "VipsForeignLoadPdf", "VipsForeignLoadMagick", "VipsForeignLoadOpenslide"] });

// libvips shrinks by whole factors with a box filter before the kernel does the rest, so "area"
// downscaling is that box shrink plus lanczos3; OpenCV's other names map to the nearest kernel.
const KERNELS: Readonly<Record<Interpolation, keyof KernelEnum>> = {
  nearest: "nearest",
  linear: "linear",
  bilinear: "linear",
  cubic: "cubic",
  bicubic: "cubic",
  area: "lanczos3",
  lanczos: "lanczos3",
  lanczos4: "lanczos3",
};

const SHARP_FORMATS: Readonly<Record<TransformOptions["encodeFormat"], string>> = { jpg: "jpeg", png: "png", webp: "webp" };

/**
 * Decodes, checks, resizes and re-encodes one image to 3-channel 8-bit sRGB. libvips shrinks JPEG
 * and WebP while decoding when the target is much smaller, so large photos are never fully decoded.
 */
export async function transformImage(input: Buffer, options: TransformOptions): Promise<TransformedImage> {
  const vector = sniffVector(input);
  if (vector) throw new TransformFailure(`unsupported image format: ${vector}`);
  let metadata: Metadata;
  try {
    // Header only: the pixel limit is checked below, with a message of its own.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new TransformFailure("Image decoding error");
  }
  if (REFUSED_FORMATS.has(metadata.format)) throw new TransformFailure(`unsupported image format: ${metadata.format}`);
  // Animated images: the first frame is the sample, so its height is the original height.
  const frameHeight = metadata.pages && metadata.pages > 1 && metadata.pageHeight ? metadata.pageHeight : metadata.height;
  if (!metadata.width || !frameHeight) throw new TransformFailure("Image decoding error");
  if (metadata.width * frameHeight > MAX_IMAGE_PIXELS) throw new TransformFailure(PIXEL_LIMIT_MESSAGE);
  const orient = options.applyExifOrientation !== false && (metadata.orientation ?? 1) > 1;
  const turned = orient && (metadata.orientation ?? 1) >= 5; // 5-8 swap the axes
  const originalWidth = turned ? frameHeight : metadata.width;
  const originalHeight = turned ? metadata.width : frameHeight;

  if (Math.min(originalWidth, originalHeight) < options.minImageSize) throw new TransformFailure("image too small");
  if (originalWidth * originalHeight > options.maxImageArea) throw new TransformFailure("image area too large");
  if (Math.max(originalWidth, originalHeight) / Math.min(originalWidth, originalHeight) > options.maxAspectRatio) {
    throw new TransformFailure("aspect ratio too large");
  }

  const geometry = computeGeometry(originalWidth, originalHeight, options.resizeMode, options.imageSize, options.resizeOnlyIfBigger);
  // keep_ratio on a 1x10000 strip would otherwise build a 256x2560000 image, and border pads a
  // 10000x1 strip to a 10000x10000 canvas: both the resized image and the output canvas count.
  const resized = geometry.resize ?? { width: originalWidth, height: originalHeight };
  if (Math.max(resized.width * resized.height, geometry.width * geometry.height) > MAX_IMAGE_PIXELS) throw new TransformFailure(PIXEL_LIMIT_MESSAGE);
  if (
    options.skipReencode &&
    !geometry.resize &&
    !geometry.pad &&
    !geometry.crop &&
    !orient &&
    metadata.format === SHARP_FORMATS[options.encodeFormat] &&
    (metadata.pages ?? 1) === 1 &&
    !metadata.hasAlpha &&
    metadata.channels === 3 &&
    metadata.depth === "uchar" &&
    metadata.space === "srgb"
  ) {
    return { image: input, width: originalWidth, height: originalHeight, originalWidth, originalHeight, ...exifOf(metadata, options) };
  }

  let pipeline = sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, autoOrient: orient });
  pipeline = pipeline.toColourspace("srgb");
  if (metadata.hasAlpha) pipeline = pipeline.flatten({ background: WHITE });
  if (geometry.resize) {
    const downscale = geometry.resize.width < originalWidth;
    const name = downscale ? (options.downscaleInterpolation ?? "area") : (options.upscaleInterpolation ?? "lanczos");
    pipeline = pipeline.resize(geometry.resize.width, geometry.resize.height, { fit: "fill", kernel: KERNELS[name] });
  }
  if (geometry.pad) pipeline = pipeline.extend({ ...geometry.pad, background: WHITE });
  if (geometry.crop) pipeline = pipeline.extract(geometry.crop);
  pipeline =
    options.encodeFormat === "jpg"
      ? pipeline.jpeg({ quality: options.encodeQuality, chromaSubsampling: "4:2:0" })
      : options.encodeFormat === "png"
        ? pipeline.png({ compressionLevel: Math.min(9, options.encodeQuality) })
        : pipeline.webp({ quality: options.encodeQuality });

  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { image: data, width: info.width, height: info.height, originalWidth, originalHeight, ...exifOf(metadata, options) };
  } catch (error) {
    if (/pixel limit/i.test(String(error))) throw new TransformFailure(PIXEL_LIMIT_MESSAGE);
    throw new TransformFailure("Image decoding error");
  }
}

/** SVG or PDF by their first bytes, before libvips (or anything that could fetch a URL) sees them. */
function sniffVector(input: Buffer): string | null {
  if (input.subarray(0, 5).toString("latin1") === "%PDF-") return "pdf";
  const head = input
    .subarray(0, 4096)
    .toString("latin1")
    .replace(/^\ufeff|^\xef\xbb\xbf/, "")
    .trimStart();
  return head.startsWith("<") && /<svg[\s>]/i.test(head) ? "svg" : null;
}

function exifOf(metadata: Metadata, options: TransformOptions): { exif?: string | null } {
  return options.extractExif ? { exif: exifJson(metadata.exif) } : {};
}
