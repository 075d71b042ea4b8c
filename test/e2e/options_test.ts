import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import sharp from "sharp";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import { startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { parquetColumns, readParquetRows, readTarMembers } from "../helpers/shards.ts";

// One small manifest downloaded under each option; every case checks what that option changes.
const IMAGE = "/img/photo/5/64x32.jpg";
let server: FixtureServer;
let work: string;
let manifest: string;
let original: Buffer;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-options-"));
  original = Buffer.from(await (await fetch(server.baseUrl + IMAGE)).arrayBuffer());
  manifest = join(work, "rows.json");
  await writeManifest(
    manifest,
    [
      { caption: "photo", url: server.baseUrl + IMAGE, sha256: createHash("sha256").update(original).digest("hex"), similarity: 0.31 },
      { caption: "wrong digest", url: server.baseUrl + IMAGE, sha256: "00".repeat(32), similarity: 0.2 },
      { caption: "png", url: `${server.baseUrl}/img/photo/6/30x90.png`, sha256: null, similarity: 0.1 },
    ],
    "json",
  );
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function download(name: string, overrides: Record<string, string>): Promise<string> {
  const folder = join(work, name);
  await runDownload(
    parseDownloadOptions({
      url_list: manifest,
      input_format: "json",
      caption_col: "caption",
      output_folder: folder,
      image_size: "48",
      allow_private_network: "True",
      ...overrides,
    }),
  );
  return folder;
}

/** The binary `jpg` column, read by DuckDB. */
async function parquetImages(path: string): Promise<Array<Buffer | null>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT hex(jpg) AS jpg FROM read_parquet('${path}') ORDER BY key`);
    return reader.getRowObjectsJson().map((row) => (row.jpg === null ? null : Buffer.from(String(row.jpg), "hex")));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const visible = async (folder: string) => (await readdir(folder)).filter((name) => !name.startsWith(".")).sort();
const tarImage = async (folder: string, key: string, ext = "jpg") =>
  (await readTarMembers(join(folder, "00000.tar"))).find((m) => m.name === `${key}.${ext}`)!.data;

const cases: Array<{ name: string; options: Record<string, string>; check(folder: string): Promise<void> }> = [
  ...(["border", "keep_ratio", "keep_ratio_largest", "center_crop", "no"] as const).map((mode, i) => ({
    name: `resize_mode ${mode}`,
    options: { resize_mode: mode },
    async check(folder: string) {
      const sizes = (await readParquetRows(folder)).map((row) => [row.width, row.height]);
      const want = [
        [48, 48],
        [96, 48],
        [48, 24],
        [48, 48],
        [64, 32],
      ][i]!;
      assert.deepEqual(sizes[0], want);
    },
  })),
  {
    name: "resize_only_if_bigger",
    options: { resize_only_if_bigger: "True", image_size: "100" },
    async check(folder) {
      assert.deepEqual((await readParquetRows(folder)).map((row) => [row.width, row.height])[0], [64, 32]);
    },
  },
  {
    name: "upscale_interpolation nearest differs from lanczos",
    options: { image_size: "128", upscale_interpolation: "nearest" },
    async check(folder) {
      const lanczos = await download("lanczos-reference", { image_size: "128" });
      assert.ok(!(await tarImage(folder, "000000000")).equals(await tarImage(lanczos, "000000000")));
    },
  },
  {
    name: "min_image_size, max_image_area, max_aspect_ratio",
    options: { min_image_size: "31" },
    async check(folder) {
      assert.deepEqual(
        (await readParquetRows(folder)).map((row) => row.error_message),
        [null, null, "image too small"],
      );
      const area = await download("area", { max_image_area: "2047" });
      assert.equal((await readParquetRows(area))[0]!.error_message, "image area too large");
      const ratio = await download("ratio", { max_aspect_ratio: "2.5" });
      assert.deepEqual(
        (await readParquetRows(ratio)).map((row) => row.error_message),
        [null, null, "aspect ratio too large"],
      );
    },
  },
  ...(["png", "webp"] as const).map((format) => ({
    name: `encode_format ${format}`,
    options: { encode_format: format },
    async check(folder: string) {
      assert.equal((await sharp(await tarImage(folder, "000000000", format)).metadata()).format, format);
    },
  })),
  {
    name: "encode_quality",
    options: { encode_quality: "20" },
    async check(folder) {
      const best = await download("quality-95", {});
      assert.ok((await tarImage(folder, "000000000")).length < (await tarImage(best, "000000000")).length);
    },
  },
  {
    name: "skip_reencode keeps a JPEG that needs no resize",
    options: { skip_reencode: "True", resize_mode: "no" },
    async check(folder) {
      assert.ok((await tarImage(folder, "000000000")).equals(original));
      assert.ok(!(await tarImage(folder, "000000002")).equals(original), "a PNG is still re-encoded to jpg");
    },
  },
  {
    name: "disable_all_reencoding keeps the bytes and leaves the sizes null",
    options: { disable_all_reencoding: "True" },
    async check(folder) {
      assert.ok((await tarImage(folder, "000000000")).equals(original));
      assert.deepEqual((await readParquetRows(folder))[0]!.width, null);
    },
  },
  {
    name: "compute_hash md5 names the column md5; none drops it",
    options: { compute_hash: "md5" },
    async check(folder) {
      assert.equal((await readParquetRows(folder))[0]!.md5, createHash("md5").update(original).digest("hex"));
      const none = await download("hash-none", { compute_hash: "none" });
      assert.ok(!(await parquetColumns(join(none, "00000.parquet"))).includes("sha256"));
    },
  },
  {
    name: "verify_hash",
    options: { verify_hash: "[sha256,sha256]" },
    async check(folder) {
      const rows = await readParquetRows(folder);
      assert.deepEqual(
        rows.map((row) => [row.status, row.error_message]),
        [
          ["success", null],
          ["failed_to_download", "hash mismatch"],
          ["failed_to_download", "hash mismatch"],
        ],
      );
    },
  },
  {
    name: "save_additional_columns come first",
    options: { save_additional_columns: "[similarity]" },
    async check(folder) {
      assert.deepEqual((await parquetColumns(join(folder, "00000.parquet"))).slice(0, 2), ["similarity", "caption"]);
      assert.equal((await readParquetRows(folder))[0]!.similarity, "0.31");
    },
  },
  {
    name: "extract_exif: '{}' without EXIF, null when off",
    options: {},
    async check(folder) {
      assert.equal((await readParquetRows(folder))[0]!.exif, "{}");
      const off = await download("exif-off", { extract_exif: "False" });
      assert.equal((await readParquetRows(off))[0]!.exif, null);
    },
  },
  {
    name: "number_sample_per_shard and oom_shard_count",
    options: { number_sample_per_shard: "2", oom_shard_count: "3" },
    async check(folder) {
      assert.deepEqual(await visible(folder), ["000.parquet", "000.tar", "000_stats.json", "001.parquet", "001.tar", "001_stats.json"]);
      assert.deepEqual(
        (await readParquetRows(folder)).map((row) => row.key),
        ["0000", "0001", "0010"],
      );
    },
  },
  {
    name: "output_format files",
    options: { output_format: "files" },
    async check(folder) {
      assert.deepEqual(await visible(folder), ["00000", "00000.parquet", "00000_stats.json"]);
      assert.deepEqual(
        (await readdir(join(folder, "00000"))).sort(),
        ["0", "1", "2"].flatMap((row) => ["jpg", "json", "txt"].map((ext) => `00000000${row}.${ext}`)),
      );
      assert.equal(await readFile(join(folder, "00000", "000000002.txt"), "utf8"), "png");
    },
  },
  {
    name: "output_format parquet",
    options: { output_format: "parquet", verify_hash: "[sha256,sha256]" },
    async check(folder) {
      assert.deepEqual(await visible(folder), ["00000.parquet", "00000_stats.json"]);
      assert.equal((await parquetColumns(join(folder, "00000.parquet"))).at(-1), "jpg");
      const webdataset = await download("parquet-reference", {});
      const images = await parquetImages(join(folder, "00000.parquet"));
      assert.ok(images[0]!.equals(await tarImage(webdataset, "000000000")), "the same bytes as the webdataset member");
      assert.deepEqual(images.slice(1), [null, null], "failed rows have no image");
    },
  },
  {
    name: "output_format dummy",
    options: { output_format: "dummy" },
    async check(folder) {
      assert.deepEqual(await visible(folder), ["00000_stats.json"]);
      assert.equal(JSON.parse(await readFile(join(folder, "00000_stats.json"), "utf8")).count, 3);
    },
  },
];

for (const c of cases) {
  test(`option: ${c.name}`, async () => c.check(await download(c.name.replace(/\W+/g, "-"), c.options)));
}
