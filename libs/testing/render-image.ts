import sharp from "sharp";
import { renderPixels } from "./render-pixels.ts";
import { validateImageSpec, type ImageSpec } from "./image-spec.ts";

/**
 * The exact bytes the fixture server serves for `imagePath(spec)`. Deterministic across processes:
 * pixels come from a seeded generator and sharp's encoders add no timestamps or random metadata.
 */
export async function renderImage(spec: ImageSpec): Promise<Buffer> {
  validateImageSpec(spec);
  const { width, height } = spec;
  const { data, channels } = await renderPixels(spec.kind, spec.seed, width, height);
  // Without the explicit colourspace sharp would write one-channel input as a three-channel file.
  const image = sharp(data, { raw: { width, height, channels } }).toColourspace(channels === 1 ? "b-w" : "srgb");
  switch (spec.format) {
    case "jpg":
      return image.jpeg({ quality: spec.quality ?? 85 }).toBuffer();
    case "png":
      // Adaptive row filters, as libpng-based encoders use for photos: a quarter smaller.
      return image.png({ adaptiveFiltering: true }).toBuffer();
    case "webp":
      // effort 1 encodes three times faster than the default 4 for a few percent more bytes.
      return image.webp({ quality: spec.quality ?? 80, effort: 1 }).toBuffer();
  }
}
