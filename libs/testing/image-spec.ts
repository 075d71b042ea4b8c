// What an image fixture is, and how it is named on the wire.

export type ImageKind = "photo" | "alpha" | "gray";
export type ImageFormat = "jpg" | "png" | "webp";

export interface ImageSpec {
  kind: ImageKind;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  /** Encoder quality of a JPEG or WebP (1-100); the fixtures' defaults (85 and 80) when absent. */
  quality?: number;
}

const IMAGE_KINDS: readonly ImageKind[] = ["photo", "alpha", "gray"];
const MAX_DIMENSION = 8000;

export const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

// JPEG has no alpha channel and WebP no single-channel mode, so those pairs cannot be honoured.
const FORMATS_BY_KIND: Readonly<Record<ImageKind, readonly ImageFormat[]>> = {
  photo: ["jpg", "png", "webp"],
  alpha: ["png", "webp"],
  gray: ["jpg", "png"],
};

/** Throws a RangeError/TypeError worded like sharp's when the spec cannot be rendered. */
export function validateImageSpec(spec: ImageSpec): void {
  if (!IMAGE_KINDS.includes(spec.kind)) {
    throw new TypeError(`Expected one of ${IMAGE_KINDS.join(", ")} for kind but received ${String(spec.kind)}`);
  }
  const formats = FORMATS_BY_KIND[spec.kind];
  if (!formats.includes(spec.format)) {
    throw new TypeError(`Expected one of ${formats.join(", ")} for ${spec.kind} format but received ${String(spec.format)}`);
  }
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) {
    throw new RangeError(`Expected non-negative integer for seed but received ${spec.seed}`);
  }
  for (const [name, value] of [
    ["width", spec.width],
    ["height", spec.height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
      throw new RangeError(`Expected integer between 1 and ${MAX_DIMENSION} for ${name} but received ${value}`);
    }
  }
  if (spec.quality !== undefined) {
    if (spec.format === "png") throw new TypeError("Expected no quality for a png (lossless) but received one");
    if (!Number.isInteger(spec.quality) || spec.quality < 1 || spec.quality > 100) {
      throw new RangeError(`Expected integer between 1 and 100 for quality but received ${spec.quality}`);
    }
  }
}

/** The server path of an image, e.g. "/img/photo/17/640x480.jpg", or "/img/photo/17/640x480.q90.jpg" with a quality. */
export function imagePath(spec: ImageSpec): string {
  validateImageSpec(spec);
  const quality = spec.quality === undefined ? "" : `.q${spec.quality}`;
  return `/img/${spec.kind}/${spec.seed}/${spec.width}x${spec.height}${quality}.${spec.format}`;
}
