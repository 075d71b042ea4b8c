import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import sharp from "sharp";
import { writeManifest } from "@laion-dl/manifest";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { readParquetRows, readTarMembers } from "../helpers/shards.ts";

const TOKEN = "laion-dl-test";
/** The image an SVG points at; no request for it may ever reach the server. */
const SVG_TARGET = "/img/photo/99/16x16.png";
const MAX_PEAK_RSS = 400 * 1024 * 1024;

interface Case {
  readonly name: string;
  readonly path: string | ((base: string) => string);
  readonly status: "success" | "failed_to_download" | "failed_to_resize";
  readonly error?: string;
  /** Size of the written image (resize_mode no), for successes. */
  readonly size?: readonly [number, number];
}

const CASES: readonly Case[] = [
  { name: "slow drip", path: "/drip/200/img/photo/1/64x64.jpg", status: "failed_to_download", error: "timeout" },
  { name: "endless body", path: "/endless.jpg", status: "failed_to_download", error: "response too large" },
  { name: "gzip bomb", path: "/gzip-bomb/256.jpg", status: "failed_to_download", error: "response too large" },
  { name: "pixel bomb", path: "/special/pixel-bomb.png", status: "failed_to_resize", error: "image exceeds pixel limit" },
  { name: "redirect loop", path: "/redirect-loop", status: "failed_to_download", error: "too many redirects" },
  { name: "redirect chain too long", path: "/redirect/9/img/photo/1/64x64.jpg", status: "failed_to_download", error: "too many redirects" },
  { name: "redirect within the limit", path: "/redirect/3/img/photo/1/64x64.jpg", status: "success", size: [64, 64] },
  {
    name: "redirect to file://",
    path: `/redirect-to?location=${encodeURIComponent("file:///etc/passwd")}`,
    status: "failed_to_download",
    error: "unsupported URL scheme",
  },
  {
    name: "X-Robots-Tag for every bot",
    path: "/robots/noai/img/photo/2/64x64.jpg",
    status: "failed_to_download",
    error: "Use of image disallowed by X-Robots-Tag directive",
  },
  {
    name: "X-Robots-Tag for our token",
    path: `/robots/${encodeURIComponent(`${TOKEN}: noimageindex, nofollow`)}/img/photo/2/64x64.jpg`,
    status: "failed_to_download",
    error: "Use of image disallowed by X-Robots-Tag directive",
  },
  { name: "X-Robots-Tag for another bot", path: `/robots/${encodeURIComponent("otherbot: noai")}/img/photo/2/64x64.jpg`, status: "success", size: [64, 64] },
  { name: "X-Robots-Tag without a forbidding directive", path: "/robots/nofollow/img/photo/2/64x64.jpg", status: "success", size: [64, 64] },
  { name: "truncated jpeg", path: "/truncated/img/photo/3/640x480.jpg", status: "failed_to_resize", error: "Image decoding error" },
  { name: "corrupt png", path: "/corrupt/img/photo/3/64x64.png", status: "failed_to_resize", error: "Image decoding error" },
  { name: "html instead of an image", path: "/text/4.html", status: "failed_to_resize", error: "Image decoding error" },
  {
    name: "svg with an external reference",
    path: (base) => `/special/svg-external.svg?href=${encodeURIComponent(base + SVG_TARGET)}`,
    status: "failed_to_resize",
    error: "unsupported image format: svg",
  },
  { name: "cmyk jpeg", path: "/special/cmyk.jpg", status: "success", size: [64, 48] },
  { name: "16-bit png", path: "/special/rgb16.png", status: "success", size: [64, 48] },
  { name: "palette png", path: "/special/palette.png", status: "success", size: [64, 48] },
  { name: "grey + alpha png", path: "/special/gray-alpha.png", status: "success", size: [64, 48] },
  { name: "animated gif", path: "/special/animated.gif", status: "success", size: [64, 48] },
  { name: "animated webp", path: "/special/animated.webp", status: "success", size: [64, 48] },
  { name: "EXIF-rotated jpeg", path: "/special/exif-rotated.jpg", status: "success", size: [48, 64] },
];

let server: FixtureServer;
let work: string;
let manifest: string;
const run = promisify(execFile);

/** One download in a child process: its summary and its peak RSS. */
async function childDownload(options: Record<string, string>): Promise<{ peakRssBytes: number }> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "..", "helpers", "download-child.ts"), JSON.stringify(options)],
    {
      cwd: import.meta.dirname,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout) as { peakRssBytes: number };
}

const optionsFor = (folder: string, overrides: Record<string, string> = {}) => ({
  url_list: manifest,
  input_format: "json",
  caption_col: "caption",
  output_folder: folder,
  resize_mode: "no",
  // Long enough for the endless body to reach the 32 MB cap on a loaded machine, far too short for the drip.
  timeout: "6",
  thread_count: "32",
  user_agent_token: TOKEN,
  allow_private_network: "True",
  ...overrides,
});

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-hostile-"));
  manifest = join(work, "hostile.json");
  const url = (c: Case) => server.baseUrl + (typeof c.path === "string" ? c.path : c.path(server.baseUrl));
  await writeManifest(
    manifest,
    CASES.map((c) => ({ caption: c.name, url: url(c) })),
    "json",
  );
  // The bombs and special images are generated on first request; a cold server would turn that
  // time into timeouts under a loaded machine. HEAD builds them without sending anything.
  for (const c of CASES) if (!/drip|endless/.test(url(c))) await fetch(url(c), { method: "HEAD", redirect: "manual" });
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

test("hostile: every hostile server and odd image ends as its row's status and message, in bounded memory", async () => {
  const folder = join(work, "out");
  const started = performance.now();
  const { peakRssBytes } = await childDownload(optionsFor(folder));
  // The drip (a byte every 200 ms, forever) ends at the 6 s per-request deadline and the endless
  // body at the size cap, so the shard closes in bounded time instead of waiting on them.
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 40, `the shard closed after ${seconds.toFixed(1)} s`);
  const rows = await readParquetRows(folder);
  assert.equal(rows.length, CASES.length);
  const members = await readTarMembers(join(folder, "00000.tar"));
  for (const [index, c] of CASES.entries()) {
    const row = rows[index]!;
    assert.equal(row.caption, c.name);
    assert.deepEqual([row.status, row.error_message], [c.status, c.error ?? null], c.name);
    if (c.status !== "success") continue;
    const image = members.find((m) => m.name === `${row.key}.jpg`)!.data;
    const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [...c.size!, 3], `${c.name}: 3-channel sRGB of the first frame`);
    if (c.name.startsWith("animated")) assert.ok(data[0]! > 180 && data[1]! < 70, `${c.name}: the first (red) frame, got ${[...data.subarray(0, 3)]}`);
  }
  const rotated = rows[CASES.findIndex((c) => c.name === "EXIF-rotated jpeg")]!;
  assert.equal(rotated.original_width, 48);
  const exif = JSON.parse(String(rotated.exif)) as Record<string, string>;
  assert.deepEqual([exif["Image Make"], exif["Image Orientation"], exif["EXIF DateTimeOriginal"]], ["laion-dl", "Rotated 90 CW", "2024:01:02 03:04:05"]);
  assert.equal(server.requestCount(SVG_TARGET), 0, "decoding the SVG fetched nothing");
  assert.ok(peakRssBytes < MAX_PEAK_RSS, `peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
});

test("hostile: apply_exif_orientation False reproduces img2dataset's unrotated image", async () => {
  const folder = join(work, "unrotated");
  await childDownload(optionsFor(folder, { apply_exif_orientation: "False" }));
  const row = (await readParquetRows(folder))[CASES.findIndex((c) => c.name === "EXIF-rotated jpeg")]!;
  assert.deepEqual([row.width, row.height, row.original_width, row.original_height], [64, 48, 64, 48]);
});

test("hostile: with the private-network guard on, no request reaches a loopback server", async () => {
  const folder = join(work, "guarded");
  const before = server.requestCount();
  await childDownload(optionsFor(folder, { allow_private_network: "False" }));
  const rows = await readParquetRows(folder);
  assert.deepEqual([...new Set(rows.map((row) => `${row.status}: ${row.error_message}`))], ["failed_to_download: blocked private address"]);
  assert.equal(server.requestCount(), before);
  assert.deepEqual((await readdir(folder)).filter((name) => !name.startsWith(".")).sort(), ["00000.parquet", "00000.tar", "00000_stats.json"]);
});
