// The "photo-like" manifest of issue #11's measurements: noisy photos as JPEG q90 from 300×300 to
// 1920×1080 (83 %), PNG in RGB, RGBA and grey (17 %, smaller images: the web's PNGs are mostly
// graphics and cut-outs), plus rows that answer 404 (10 %) and rows that answer after ~1 s (1 %).
import { ordinaryCaption } from "./captions.ts";
import type { DemoRow } from "./demo-rows.ts";
import { imagePath, type ImageFormat, type ImageKind, type ImageSpec } from "./image-spec.ts";
import { createRandom, hashInts, randomInt } from "./prng.ts";

export const PHOTO_LIKE = Object.freeze({
  notFoundShare: 0.1,
  slowShare: 0.01,
  slowMs: 1000,
  jpegQuality: 90,
  /** Bounding box of every image: landscape within 1920×1080, portrait within 1080×1920. */
  longSide: [300, 1920] as const,
  shortSideMax: 1080,
  pngLongSide: [300, 1024] as const,
});

// Cumulative shares of the images: 79 % photo JPEG, 4 % grey JPEG, 6 % RGB PNG, 6 % RGBA PNG, 5 % grey PNG.
const ENCODINGS: readonly (readonly [upTo: number, kind: ImageKind, format: ImageFormat])[] = [
  [0.79, "photo", "jpg"],
  [0.83, "gray", "jpg"],
  [0.89, "photo", "png"],
  [0.95, "alpha", "png"],
  [1, "gray", "png"],
];

// Width:height ratios of photos with weights; the short side never goes under 300 px.
const ASPECTS: readonly (readonly [ratio: number, weight: number])[] = [
  [4 / 3, 35],
  [3 / 2, 20],
  [16 / 9, 20],
  [1, 10],
  [3 / 4, 8],
  [2 / 3, 7],
];
const ASPECT_TOTAL = ASPECTS.reduce((sum, [, weight]) => sum + weight, 0);

/** `count` rows against a fixture server at `baseUrl`; each depends only on (seed, index). */
export function photoLikeRows(baseUrl: string, count: number, options: { seed?: number } = {}): DemoRow[] {
  const { seed = 0 } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Expected non-negative integer for count but received ${count}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`Expected non-negative integer for seed but received ${seed}`);
  const base = baseUrl.replace(/\/+$/, "");
  return Array.from({ length: count }, (_, index) => {
    const random = createRandom(hashInts(seed, index, 0x9407));
    const outcome = random();
    const spec = photoSpec(random);
    const caption = ordinaryCaption(random);
    // The 404 rows carry the row index so every manifest URL is distinct.
    if (outcome < PHOTO_LIKE.notFoundShare) return { caption, url: `${base}/status/404?row=${index}` };
    if (outcome < PHOTO_LIKE.notFoundShare + PHOTO_LIKE.slowShare) return { caption, url: `${base}/slow/${PHOTO_LIKE.slowMs}${imagePath(spec)}` };
    return { caption, url: `${base}${imagePath(spec)}` };
  });
}

function photoSpec(random: () => number): ImageSpec {
  const draw = random();
  const [, kind, format] = ENCODINGS.find(([upTo]) => draw < upTo) ?? ENCODINGS[ENCODINGS.length - 1]!;
  const [min, max] = format === "png" ? PHOTO_LIKE.pngLongSide : PHOTO_LIKE.longSide;
  const long = randomInt(random, min, max);
  let ratio = 1;
  for (let r = random() * ASPECT_TOTAL, i = 0; i < ASPECTS.length; i++) {
    if ((r -= ASPECTS[i]![1]) < 0) {
      ratio = ASPECTS[i]![0];
      break;
    }
  }
  const short = Math.min(PHOTO_LIKE.shortSideMax, Math.max(PHOTO_LIKE.longSide[0], Math.round(long / Math.max(ratio, 1 / ratio))));
  const [width, height] = ratio >= 1 ? [long, Math.min(long, short)] : [Math.min(long, short), long];
  const seed = randomInt(random, 0, 999_999);
  return format === "jpg" ? { kind, format, width, height, seed, quality: PHOTO_LIKE.jpegQuality } : { kind, format, width, height, seed };
}
