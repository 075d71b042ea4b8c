// A seed-format manifest (a 4-space-indented JSON array of {caption, url}, as
// laion_synthetic_filtered_large.json) of a given size, generated streaming and kept for reruns.
import { readFile, stat, writeFile } from "node:fs/promises";
import { writeManifest } from "@laion-dl/manifest";
import { createRandom, pick } from "@laion-dl/testing";

/** Bump when the generated content changes, so a kept file is regenerated. */
const GENERATOR_VERSION = 1;

export interface GeneratedManifest {
  path: string;
  bytes: number;
  rows: number;
  /** 0 when a kept file was reused. */
  seconds: number;
}

export async function ensureIngestManifest(path: string, targetBytes: number): Promise<GeneratedManifest> {
  const metaPath = `${path}.meta.json`;
  const kept = await readFile(metaPath, "utf8").then(
    (text) => JSON.parse(text) as { version: number; targetBytes: number; bytes: number; rows: number },
    () => undefined,
  );
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  );
  if (kept && kept.version === GENERATOR_VERSION && kept.targetBytes === targetBytes && kept.bytes === size) {
    return { path, bytes: kept.bytes, rows: kept.rows, seconds: 0 };
  }
  const started = performance.now();
  let rows = 0;
  await writeManifest(
    path,
    seedRows(targetBytes, () => rows++),
    "json",
  );
  const bytes = (await stat(path)).size;
  await writeFile(metaPath, JSON.stringify({ version: GENERATOR_VERSION, targetBytes, bytes, rows }));
  return { path, bytes, rows, seconds: (performance.now() - started) / 1000 };
}

// The seed's layout around each row: "    {\n" + 8-space-indented properties + "\n    }" + ", \n".
const ROW_OVERHEAD = 6 + 8 + 13 + 3 + 8 + 9 + 6 + 3;

function* seedRows(targetBytes: number, counted: () => void): Generator<{ caption: string; url: string }> {
  const random = createRandom(0x1a10);
  let bytes = 4;
  for (let index = 0; bytes < targetBytes; index++) {
    const row = { caption: caption(random, index), url: url(random, index) };
    bytes += Buffer.byteLength(row.caption) + row.url.length + ROW_OVERHEAD;
    counted();
    yield row;
  }
}

const SUBJECTS = [
  "a small dog",
  "two cats",
  "a man",
  "a woman",
  "a group of people",
  "a red car",
  "an old truck",
  "a wooden table",
  "a bowl of fruit",
  "a young girl",
  "a white horse",
  "a living room",
  "a city street",
  "a plate of food",
  "a vintage poster",
  "a pair of shoes",
  "a blue dress",
  "a modern kitchen",
  "a mountain lake",
  "a bird",
];
const ACTIONS = [
  "sitting on",
  "standing next to",
  "walking along",
  "lying on",
  "parked in front of",
  "hanging on",
  "displayed on",
  "looking at",
  "playing with",
  "resting under",
];
const PLACES = [
  "a sandy beach",
  "the grass",
  "a busy street",
  "a white background",
  "a wooden floor",
  "a snowy hill",
  "the kitchen counter",
  "a brick wall",
  "a green field",
  "the side of a building",
  "a sunny day",
  "a dark room",
];
const TAILS = [
  "with trees in the background",
  "in black and white",
  "with a cloudy sky",
  "on a sunny afternoon",
  "next to a window",
  "with a logo on it",
  "in a cartoon style",
  "with writing on the side",
  "at night",
  "near the water",
];
// Now and then what BLIP's captions and the seed's URLs hold too: quotes, backslashes, non-ASCII.
const ODD = ['with the words "sale" on it', 'a café sign that reads \\"open\\"', "with 日本語 text on it", "under a 🌈 rainbow"];

function caption(random: () => number, index: number): string {
  const target = 60 + Math.floor(random() * 61);
  let text = `${pick(random, SUBJECTS)} ${pick(random, ACTIONS)} ${pick(random, PLACES)}`;
  if (index % 97 === 0) text += ` ${pick(random, ODD)}`;
  while (text.length < target) text += ` ${pick(random, TAILS)}`;
  if (text.length > 120) text = text.slice(0, text.lastIndexOf(" ", 120));
  return text;
}

const HOSTS = [
  "https://i.pinimg.com/originals",
  "https://cdn.shopify.com/s/files/1/0235/8013/products",
  "https://images.squarespace-cdn.com/content/v1",
  "http://www.example-photos.com/wp-content/uploads/2016/07",
  "https://ae01.alicdn.com/kf",
  "https://media.gettyimages.com/photos",
];

function url(random: () => number, index: number): string {
  const target = 100 + Math.floor(random() * 101);
  let text = `${pick(random, HOSTS)}/${index.toString(36)}`;
  while (text.length < target - 24) text += `/${pick(random, SUBJECTS).replaceAll(" ", "-")}`;
  text += `-${Math.floor(random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0")}`;
  return `${text.slice(0, target - 4)}.jpg`;
}
