// Raw pixel generation for the image fixtures: a smooth gradient background with waves, a handful
// of soft and crisp shapes, then (except for cut-outs) film-like grain. The grain is what makes the
// files compress like photos (a flat synthetic image would be a tenth of a real photo's size).
//
// The frame is painted in horizontal bands, yielding to the event loop between bands: a 12-megapixel
// frame takes a couple of hundred milliseconds of JavaScript, and a server that blocked for that long
// per image (times a burst of requests) would stall every other connection and let keep-alive
// timers fire on sockets whose next request is already waiting.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ImageKind } from "./image-spec.ts";
import { createRandom, hashInts } from "./prng.ts";

export interface RawPixels {
  data: Buffer;
  channels: 1 | 3 | 4;
}

const BAND_PIXELS = 1 << 20;
// Peaks of the luma and chroma noise, in 8-bit levels. The alpha kind gets none: cut-outs stand for
// logos, clip art and product shots, which are clean (grainy, their PNGs were 6x larger).
const GRAIN_LUMA = 16;
const GRAIN_CHROMA = 4;

type Tone = number[];

interface Canvas {
  px: Uint8ClampedArray;
  width: number;
  height: number;
  channels: number;
  colorChannels: number;
}

/** Same seed, same composition at every size and kind: gray/17 is the grayscale of photo/17. */
export async function renderPixels(kind: ImageKind, seed: number, width: number, height: number): Promise<RawPixels> {
  const colorChannels = kind === "gray" ? 1 : 3;
  const channels = kind === "alpha" ? 4 : colorChannels;
  const data = Buffer.allocUnsafe(width * height * channels);
  const canvas: Canvas = {
    px: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    width,
    height,
    channels,
    colorChannels,
  };
  const random = createRandom(hashInts(seed));
  const color = (): Tone => {
    const rgb = [30 + random() * 195, 30 + random() * 195, 30 + random() * 195] as const;
    return colorChannels === 1 ? [0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]] : [...rgb];
  };
  const background = planBackground(canvas, random, color);
  const shapes = Array.from({ length: 4 + Math.floor(random() * 7) }, () => planShape(canvas, random, color));
  let grain = hashInts(seed, 0x9a11) | 1;
  const bandRows = Math.max(1, Math.floor(BAND_PIXELS / width));
  for (let top = 0; top < height; top += bandRows) {
    const bottom = Math.min(height, top + bandRows);
    paintBackground(canvas, background, top, bottom);
    for (const shape of shapes) paintShape(canvas, shape, top, bottom);
    if (kind !== "alpha") grain = addGrain(canvas, grain, top, bottom);
    if (channels === 4) paintAlphaMask(canvas, top, bottom);
    if (bottom < height) await nextTurn();
  }
  return { data, channels };
}

interface Background {
  topLeft: Tone;
  topRight: Tone;
  bottomLeft: Tone;
  bottomRight: Tone;
  waveX: Float32Array;
  waveY: Float32Array;
  bands: Float32Array;
}

// Bilinear blend of four corner colours plus a separable wave (product of a column and a row
// table) so the background has broad light and dark regions instead of a plain ramp.
function planBackground({ width, height }: Canvas, random: () => number, color: () => Tone): Background {
  return {
    topLeft: color(),
    topRight: color(),
    bottomLeft: color(),
    bottomRight: color(),
    waveX: waveTable(width, random, 28),
    waveY: waveTable(height, random, 1),
    bands: waveTable(height, random, 12),
  };
}

function waveTable(length: number, random: () => number, amplitude: number): Float32Array {
  const cycles = 0.5 + random() * 3;
  const phase = random() * 2 * Math.PI;
  const table = new Float32Array(length);
  for (let i = 0; i < length; i++) table[i] = amplitude * Math.sin((2 * Math.PI * cycles * i) / length + phase);
  return table;
}

function paintBackground(canvas: Canvas, plan: Background, top: number, bottom: number): void {
  const { px, width, height, channels, colorChannels } = canvas;
  const { topLeft, topRight, bottomLeft, bottomRight, waveX, waveY, bands } = plan;
  const left = new Float64Array(colorChannels);
  const step = new Float64Array(colorChannels);
  for (let y = top; y < bottom; y++) {
    const t = height > 1 ? y / (height - 1) : 0;
    for (let c = 0; c < colorChannels; c++) {
      const l = topLeft[c]! + (bottomLeft[c]! - topLeft[c]!) * t;
      const r = topRight[c]! + (bottomRight[c]! - topRight[c]!) * t;
      left[c] = l;
      step[c] = width > 1 ? (r - l) / (width - 1) : 0;
    }
    const wy = waveY[y]!,
      band = bands[y]!;
    let i = y * width * channels;
    if (colorChannels === 1) {
      const l0 = left[0]!,
        s0 = step[0]!;
      for (let x = 0; x < width; x++, i += channels) px[i] = l0 + s0 * x + waveX[x]! * wy + band;
    } else {
      const l0 = left[0]!,
        l1 = left[1]!,
        l2 = left[2]!,
        s0 = step[0]!,
        s1 = step[1]!,
        s2 = step[2]!;
      for (let x = 0; x < width; x++, i += channels) {
        const w = waveX[x]! * wy + band;
        px[i] = l0 + s0 * x + w;
        px[i + 1] = l1 + s1 * x + w;
        px[i + 2] = l2 + s2 * x + w;
      }
    }
  }
}

interface Shape {
  ellipse: boolean;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  /** Edge width: in radius units for ellipses, in pixels for rectangles; never under one pixel. */
  feather: number;
  opacity: number;
  top: Tone;
  bottom: Tone;
}

// An ellipse or rectangle with a vertical two-colour gradient, blended over what is there. Sizes
// are relative to the image so the same seed looks the same at any resolution; a third of the
// shapes have wide feathered edges (out-of-focus blobs), the rest a one-pixel anti-aliased edge.
function planShape({ width, height }: Canvas, random: () => number, color: () => Tone): Shape {
  const scale = Math.sqrt(width * height);
  const ellipse = random() < 0.6;
  const cx = random() * width,
    cy = random() * height;
  const rx = (0.03 + random() * 0.2) * scale;
  const ry = rx * (0.4 + random() * 1.2);
  const softness = random() < 0.35 ? 0.2 + random() * 0.6 : 0;
  const feather = Math.max(1 / Math.min(rx, ry), softness);
  const opacity = 0.55 + random() * 0.45;
  return {
    ellipse,
    cx,
    cy,
    rx,
    ry,
    opacity,
    feather: ellipse ? feather : feather * Math.min(rx, ry),
    top: color(),
    bottom: color(),
  };
}

function paintShape(canvas: Canvas, shape: Shape, top: number, bottom: number): void {
  const { px, width, channels, colorChannels } = canvas;
  const { ellipse, cx, cy, rx, ry, feather, opacity } = shape;
  const x0 = Math.max(0, Math.floor(cx - rx)),
    x1 = Math.min(width, Math.ceil(cx + rx));
  const y0 = Math.max(top, Math.floor(cy - ry)),
    y1 = Math.min(bottom, Math.ceil(cy + ry));
  const tone = new Float64Array(colorChannels);
  for (let y = y0; y < y1; y++) {
    const t = (y - (cy - ry)) / (2 * ry);
    for (let c = 0; c < colorChannels; c++) tone[c] = shape.top[c]! + (shape.bottom[c]! - shape.top[c]!) * t;
    const dy = y + 0.5 - cy;
    let i = (y * width + x0) * channels;
    for (let x = x0; x < x1; x++, i += channels) {
      const dx = x + 0.5 - cx;
      const coverage = ellipse
        ? (1 - Math.sqrt((dx * dx) / (rx * rx) + (dy * dy) / (ry * ry))) / feather
        : Math.min(rx - Math.abs(dx), ry - Math.abs(dy)) / feather;
      if (coverage <= 0) continue;
      const a = (coverage < 1 ? coverage : 1) * opacity;
      for (let c = 0; c < colorChannels; c++) px[i + c] = px[i + c]! + (tone[c]! - px[i + c]!) * a;
    }
  }
}

// Triangular luma noise plus a little chroma noise from an inline xorshift32: one 32-bit draw per
// pixel, no calls in the loop. Returns the generator state for the next band.
function addGrain(canvas: Canvas, state: number, top: number, bottom: number): number {
  const { px, width, channels, colorChannels } = canvas;
  const lumaScale = GRAIN_LUMA / 255;
  const chromaScale = GRAIN_CHROMA / 7.5;
  const end = bottom * width * channels;
  for (let i = top * width * channels; i < end; i += channels) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const noise = ((state & 255) + ((state >>> 8) & 255) - 255) * lumaScale;
    if (colorChannels === 1) {
      px[i] = px[i]! + noise;
    } else {
      px[i] = px[i]! + noise + (((state >>> 16) & 15) - 7.5) * chromaScale;
      px[i + 1] = px[i + 1]! + noise;
      px[i + 2] = px[i + 2]! + noise + (((state >>> 20) & 15) - 7.5) * chromaScale;
    }
  }
  return state;
}

// Opaque centred ellipse with a feathered rim; the corners are fully transparent.
function paintAlphaMask(canvas: Canvas, top: number, bottom: number): void {
  const { px, width, height, channels } = canvas;
  const cx = width / 2,
    cy = height / 2,
    rx = width * 0.46,
    ry = height * 0.46;
  const feather = 0.12;
  let i = top * width * channels + 3;
  for (let y = top; y < bottom; y++) {
    const dy = (y + 0.5 - cy) / ry;
    for (let x = 0; x < width; x++, i += channels) {
      const dx = (x + 0.5 - cx) / rx;
      const alpha = ((1 - Math.sqrt(dx * dx + dy * dy)) / feather) * 255;
      px[i] = alpha;
      // Like real cut-outs, fully transparent pixels carry no colour (and so compress to nothing).
      if (alpha <= 0) px[i - 1] = px[i - 2] = px[i - 3] = 0;
    }
  }
}
