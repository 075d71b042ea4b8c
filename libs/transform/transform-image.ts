import sharp, { type Metadata } from "sharp";
import { computeGeometry, type ResizeMode } from "./geometry.ts";

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
}

export interface TransformedImage {
  readonly image: Buffer;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

/** An image that could not be turned into a sample; `message` is the error_message. */
export class TransformFailure extends Error {
  override readonly name = "TransformFailure";
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
// Formats that can reference external resources or run a renderer; never decoded.
const REFUSED_FORMATS = new Set(["svg", "pdf", "magick", "openslide"]);

/**
 * Decodes, checks, resizes and re-encodes one image. libvips shrinks JPEG and WebP while
 * decoding when the target is much smaller, so large photos are never fully decoded.
 */
export async function transformImage(input: Buffer, options: TransformOptions): Promise<TransformedImage> {
  let metadata: Metadata;
  try {
    metadata = await sharp(input).metadata();
  } catch {
    throw new TransformFailure("Image decoding error");
  }
  if (REFUSED_FORMATS.has(metadata.format)) throw new TransformFailure(`unsupported image format: ${metadata.format}`);
  const originalWidth = metadata.width;
  // Animated images: the first frame is the sample, so its height is the original height.
  const originalHeight = metadata.pages && metadata.pages > 1 && metadata.pageHeight ? metadata.pageHeight : metadata.height;
  if (!originalWidth || !originalHeight) throw new TransformFailure("Image decoding error");

  if (Math.min(originalWidth, originalHeight) < options.minImageSize) throw new TransformFailure("image too small");
  if (originalWidth * originalHeight > options.maxImageArea) throw new TransformFailure("image area too large");
  if (Math.max(originalWidth, originalHeight) / Math.min(originalWidth, originalHeight) > options.maxAspectRatio) {
    throw new TransformFailure("aspect ratio too large");
  }

  const geometry = computeGeometry(originalWidth, originalHeight, options.resizeMode, options.imageSize, options.resizeOnlyIfBigger);
  let pipeline = sharp(input).toColourspace("srgb");
  if (metadata.hasAlpha) pipeline = pipeline.flatten({ background: WHITE });
  if (geometry.resize) pipeline = pipeline.resize(geometry.resize.width, geometry.resize.height, { fit: "fill", kernel: "lanczos3" });
  if (geometry.pad) pipeline = pipeline.extend({ ...geometry.pad, background: WHITE });
  if (geometry.crop) pipeline = pipeline.extract(geometry.crop);
  pipeline =
    options.encodeFormat === "jpg" ? pipeline.jpeg({ quality: options.encodeQuality, chromaSubsampling: "4:2:0" })
    : options.encodeFormat === "png" ? pipeline.png({ compressionLevel: Math.min(9, options.encodeQuality) })
    : pipeline.webp({ quality: options.encodeQuality });

  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { image: data, width: info.width, height: info.height, originalWidth, originalHeight };
  } catch {
    throw new TransformFailure("Image decoding error");
  }
}
