// Deterministic manifests for the demo command, e2e tests and benchmarks.
import { TRICKY_CAPTIONS, ordinaryCaption } from "./captions.ts";
import { imagePath, type ImageFormat, type ImageKind, type ImageSpec } from "./image-spec.ts";
import { createRandom, hashInts, pick, randomInt } from "./prng.ts";

export interface DemoRow {
  caption: string;
  url: string;
}

export interface DemoRowsOptions {
  /** Default 0. */
  seed?: number;
  /** Share of rows on a failure route, default 0.1 (a fifth of those are slow but succeed). */
  failureRate?: number;
}

// Width:height ratios with weights: mostly 4:3 and 16:9 either way round, a few extremes.
const ASPECTS: readonly (readonly [ratio: number, weight: number])[] = [
  [4 / 3, 30],
  [16 / 9, 20],
  [1, 12],
  [3 / 2, 10],
  [3 / 4, 10],
  [9 / 16, 6],
  [2 / 3, 5],
  [2, 2],
  [1 / 2, 2],
  [3, 1.5],
  [1 / 3, 1.5],
];
const ASPECT_TOTAL = ASPECTS.reduce((sum, [, weight]) => sum + weight, 0);

// Cumulative shares: 5 % gray JPEG, 75 % photo JPEG, 10 % PNG (half with alpha), 10 % WebP.
const ENCODINGS: readonly (readonly [upTo: number, kind: ImageKind, format: ImageFormat])[] = [
  [0.05, "gray", "jpg"],
  [0.8, "photo", "jpg"],
  [0.85, "alpha", "png"],
  [0.88, "photo", "png"],
  [0.9, "gray", "png"],
  [0.97, "photo", "webp"],
  [1, "alpha", "webp"],
];

const FAILURES = ["404", "500", "html", "truncated", "slow"] as const;

const TRICKY_EVERY = 25;
const TRICKY_OFFSET = 12; // mid-cycle, so a list of 13 rows already holds one

/**
 * `count` rows against a fixture server at `baseUrl`. Each row depends only on (seed, index), so a
 * shorter list is a prefix of a longer one.
 */
export function demoRows(baseUrl: string, count: number, options: DemoRowsOptions = {}): DemoRow[] {
  const { seed = 0, failureRate = 0.1 } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`Expected non-negative integer for count but received ${count}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Expected non-negative integer for seed but received ${seed}`);
  }
  if (!(failureRate >= 0 && failureRate <= 1)) {
    throw new RangeError(`Expected number between 0 and 1 for failureRate but received ${failureRate}`);
  }
  const base = baseUrl.replace(/\/+$/, "");
  return Array.from({ length: count }, (_, index) => demoRow(base, index, seed, failureRate));
}

function demoRow(base: string, index: number, seed: number, failureRate: number): DemoRow {
  const random = createRandom(hashInts(seed, index));
  const spec = imageSpec(random);
  const path = random() < failureRate ? failurePath(random, spec, index) : imagePath(spec);
  const caption =
    index % TRICKY_EVERY === TRICKY_OFFSET ? TRICKY_CAPTIONS[Math.floor(index / TRICKY_EVERY) % TRICKY_CAPTIONS.length]! : ordinaryCaption(random);
  return { caption, url: `${base}${path}` };
}

function imageSpec(random: () => number): ImageSpec {
  const band = random();
  // 40 % small (≤ 500 px long side), 40 % medium, 20 % large.
  const long = band < 0.4 ? randomInt(random, 96, 500) : band < 0.8 ? randomInt(random, 640, 1280) : randomInt(random, 1600, 4000);
  const ratio = aspectRatio(random);
  const short = (size: number) => Math.max(1, Math.round(size));
  const [width, height] = ratio >= 1 ? [long, short(long / ratio)] : [short(long * ratio), long];
  const draw = random();
  const [, kind, format] = ENCODINGS.find(([upTo]) => draw < upTo) ?? ENCODINGS[ENCODINGS.length - 1]!;
  return { kind, format, width, height, seed: randomInt(random, 0, 999_999) };
}

function aspectRatio(random: () => number): number {
  let r = random() * ASPECT_TOTAL;
  for (const [ratio, weight] of ASPECTS) if ((r -= weight) < 0) return ratio;
  return 1; // reached only if rounding leaves r at exactly zero
}

// Status failures carry the row index so every manifest URL is distinct.
function failurePath(random: () => number, spec: ImageSpec, index: number): string {
  switch (pick(random, FAILURES)) {
    case "404":
      return `/status/404?row=${index}`;
    case "500":
      return `/status/500?row=${index}`;
    case "html":
      return `/text/${spec.seed}.html`;
    case "truncated":
      return `/truncated${imagePath(spec)}`;
    case "slow":
      return `/slow/50${imagePath(spec)}`;
  }
}
