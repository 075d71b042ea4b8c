import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import sharp from "sharp";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest, type ManifestFormat } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import { outputFolder, WORK_DIR } from "@laion-dl/shard";
import { demoRows, startFixtureServer, TRICKY_CAPTIONS, type FixtureServer } from "@laion-dl/testing";
import { outputDigests, parquetColumns, pythonTarList, readParquetRows, readTarMembers, systemTarList } from "../helpers/shards.ts";

const ROWS = 250;
const PER_SHARD = 100; // three shards, the last one short (50 rows)
const repoRoot = join(import.meta.dirname, "..", "..");

let server: FixtureServer;
let work: string;
let rows: Array<Record<string, unknown>>;

/** What the fixture server's routes must produce for a row. */
function expected(url: unknown): { status: string; error: string | null } {
  if (typeof url !== "string") return { status: "failed_to_download", error: url == null ? "missing url" : "url is not a string" };
  const path = new URL(url).pathname;
  if (path.startsWith("/status/404")) return { status: "failed_to_download", error: "HTTP Error 404: Not Found" };
  if (path.startsWith("/status/500")) return { status: "failed_to_download", error: "HTTP Error 500: Internal Server Error" };
  if (path.startsWith("/slow/6000")) return { status: "failed_to_download", error: "timeout" };
  if (path.startsWith("/text/") || path.startsWith("/truncated/")) return { status: "failed_to_resize", error: "Image decoding error" };
  return { status: "success", error: null };
}

async function download(manifest: string, folder: string, overrides: Record<string, string> = {}) {
  return runDownload(
    parseDownloadOptions({
      url_list: manifest,
      input_format: "json",
      url_col: "url",
      caption_col: "caption",
      output_folder: folder,
      image_size: "224",
      number_sample_per_shard: String(PER_SHARD),
      thread_count: "64",
      timeout: "3",
      allow_private_network: "True",
      ...overrides,
    }),
  );
}

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-e2e-"));
  rows = demoRows(server.baseUrl, ROWS, { seed: 11, failureRate: 0.15 }).map((row) => ({ ...row }));
  // Every tricky caption appears, and a timeout, in the first shard.
  TRICKY_CAPTIONS.forEach((caption, i) => (rows[3 + i]!.caption = caption));
  // Render every image once up front: generating a 4000 px fixture takes a while, and a cold
  // cache would turn render time into download timeouts that differ from run to run.
  for (let i = 0; i < rows.length; i += 4) {
    await Promise.all(rows.slice(i, i + 4).map((row) => fetch(String(row.url)).then((response) => response.arrayBuffer())));
  }
  rows[1]!.url = `${server.baseUrl}/slow/6000/img/photo/1/64x64.jpg`;
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe("embedded download", () => {
  let reference: Record<string, string>;
  const folder = () => join(work, "reference");

  before(async () => {
    // Bad rows only a JSON manifest can hold: a number for a url, a missing url, a null caption.
    const withBadRows = rows.map((row, i) =>
      i === 20 ? { caption: "numeric url", url: 12345 } : i === 21 ? { caption: "no url" } : i === 22 ? { ...row, caption: null } : row,
    );
    await writeManifest(join(work, "bad-rows.json"), withBadRows, "json");
    await download(join(work, "bad-rows.json"), folder());
    reference = await outputDigests(folder());
    rows = withBadRows;
  });

  test("e2e: every manifest row appears exactly once in the parquet, with its key and status", async () => {
    const parquet = await readParquetRows(folder());
    assert.equal(parquet.length, ROWS);
    parquet.forEach((row, index) => {
      const shard = Math.floor(index / PER_SHARD);
      assert.equal(row.key, `${String(shard).padStart(5, "0")}${String(index % PER_SHARD).padStart(2, "0")}`);
      const want = expected(rows[index]!.url);
      assert.equal(row.status, want.status, `row ${index} ${String(rows[index]!.url)}`);
      assert.equal(row.error_message, want.error, `row ${index}`);
      assert.equal(row.caption, rows[index]!.caption ?? null);
    });
    assert.deepEqual(await parquetColumns(join(folder(), "00000.parquet")), [
      "caption",
      "url",
      "key",
      "status",
      "error_message",
      "width",
      "height",
      "original_width",
      "original_height",
      "exif",
      "sha256",
    ]);
    const statuses = new Set(parquet.map((row) => row.status));
    assert.deepEqual([...statuses].sort(), ["failed_to_download", "failed_to_resize", "success"]);
  });

  test("e2e: the tars hold exactly the successes, captions byte-exact, images 224x224", async () => {
    const parquet = await readParquetRows(folder());
    const successKeys = parquet.filter((row) => row.status === "success").map((row) => String(row.key));
    const members: Awaited<ReturnType<typeof readTarMembers>> = [];
    for (const name of ["00000.tar", "00001.tar", "00002.tar"]) members.push(...(await readTarMembers(join(folder(), name))));
    assert.deepEqual(
      members.map((m) => m.name),
      successKeys.flatMap((key) => [`${key}.jpg`, `${key}.json`, `${key}.txt`]),
    );
    assert.ok(members.every((m) => m.mtime === 0 && m.uid === 0 && m.mode === 0o644));
    for (const key of successKeys) {
      const index = Number(key.slice(0, 5)) * PER_SHARD + Number(key.slice(5));
      const caption = rows[index]!.caption as string | null;
      const txt = members.find((m) => m.name === `${key}.txt`)!.data;
      assert.ok(txt.equals(Buffer.from(caption ?? "")), `txt of ${key}`);
      const json = JSON.parse(members.find((m) => m.name === `${key}.json`)!.data.toString()) as Record<string, unknown>;
      assert.equal(json.caption, caption);
      assert.equal(json.key, key);
      assert.deepEqual(Object.keys(json), await parquetColumns(join(folder(), "00000.parquet")));
      const image = await sharp(members.find((m) => m.name === `${key}.jpg`)!.data).metadata();
      assert.deepEqual([image.format, image.width, image.height], ["jpeg", 224, 224]);
    }
    for (const caption of TRICKY_CAPTIONS)
      assert.ok(
        parquet.some((row) => row.caption === caption),
        `caption ${JSON.stringify(caption)}`,
      );
  });

  test("e2e: stats agree with the parquet, the last shard is short, no temporary files remain", async () => {
    const parquet = await readParquetRows(folder());
    for (const [shard, size] of [
      [0, 100],
      [1, 100],
      [2, 50],
    ] as const) {
      const name = String(shard).padStart(5, "0");
      const stats = JSON.parse(await readFile(join(folder(), `${name}_stats.json`), "utf8")) as Record<string, unknown>;
      const inShard = parquet.filter((row) => String(row.key).startsWith(name));
      const count = (status: string) => inShard.filter((row) => row.status === status).length;
      assert.equal(stats.count, size);
      assert.equal(stats.successes, count("success"));
      assert.equal(stats.failed_to_download, count("failed_to_download"));
      assert.equal(stats.failed_to_resize, count("failed_to_resize"));
      const messages = inShard.map((row) => String(row.error_message ?? "success"));
      const dict = stats.status_dict as Record<string, number>;
      for (const message of new Set(messages)) assert.equal(dict[message], messages.filter((m) => m === message).length);
    }
    const files = (await readdir(folder())).filter((name) => name !== WORK_DIR);
    assert.deepEqual(files.sort(), [
      "00000.parquet",
      "00000.tar",
      "00000_stats.json",
      "00001.parquet",
      "00001.tar",
      "00001_stats.json",
      "00002.parquet",
      "00002.tar",
      "00002_stats.json",
    ]);
    assert.deepEqual(await readdir(outputFolder(folder()).journalDir), []);
  });

  test("e2e: system tar and Python's tarfile list the archives cleanly", async () => {
    for (const name of ["00000.tar", "00002.tar"]) {
      const path = join(folder(), name);
      const ours = (await readTarMembers(path)).map((m) => m.name);
      assert.deepEqual(systemTarList(path), ours);
      assert.deepEqual(pythonTarList(path), ours);
    }
  });

  test("e2e: thread_count 1 and 64 give byte-identical tars and parquets", async () => {
    const serial = join(work, "serial");
    await download(join(work, "bad-rows.json"), serial, { thread_count: "1" });
    assert.deepEqual(await outputDigests(serial), reference);
  });
});

describe("manifest formats", () => {
  const formats: Array<{ format: ManifestFormat; gzip: boolean }> = ["json", "jsonl", "csv", "tsv"].flatMap((format) => [
    { format: format as ManifestFormat, gzip: false },
    { format: format as ManifestFormat, gzip: true },
  ]);
  let reference: Record<string, string> | undefined;

  for (const { format, gzip } of formats) {
    test(`e2e: a ${format}${gzip ? ".gz" : ""} manifest gives the same shards as the JSON array`, async () => {
      const name = `rows.${format}${gzip ? ".gz" : ""}`;
      // Text formats cannot carry non-string values, so this manifest holds strings only; and it
      // skips the deliberate timeout, which only costs time here.
      const clean = rows.map((row, i) => ({
        caption: String(row.caption ?? ""),
        url: i === 1 ? `${server.baseUrl}/img/photo/1/64x64.jpg` : String(row.url ?? ""),
      }));
      await writeManifest(join(work, name), clean, format, { gzip });
      const folder = join(work, `out-${name}`);
      await download(join(work, name), folder, { input_format: format });
      const digests = await outputDigests(folder);
      assert.equal(Object.keys(digests).length, 6);
      reference ??= digests;
      assert.deepEqual(digests, reference);
    });
  }
});

test("e2e: the CLI runs MiniGPT-4's download_laion.sh options unchanged", async () => {
  const manifest = join(work, "minigpt4.json");
  await writeManifest(
    manifest,
    demoRows(server.baseUrl, 30, { seed: 3 }).map((row) => ({ ...row })),
    "json",
  );
  const output = join(work, "laion_dataset");
  const { stdout, stderr } = await promisify(execFile)(
    join(repoRoot, "bin", "laion-dl"),
    [
      "download",
      "--url_list",
      manifest,
      "--input_format",
      "tsv",
      "--url_col",
      "url",
      "--caption_col",
      "caption",
      "--output_format",
      "webdataset",
      "--output_folder",
      output,
      "--processes_count",
      "16",
      "--thread_count",
      "128",
      "--image_size",
      "224",
      "--enable_wandb",
      "True",
      "--allow_private_network",
      "True",
    ],
    { cwd: tmpdir() },
  );
  assert.match(stderr, /--enable_wandb is ignored/);
  assert.match(stdout, /success: 0\.\d{3} - failed to download: 0\.\d{3} - failed to resize: 0\.\d{3} - images per sec: \d+ - count: 30/);
  assert.deepEqual((await readdir(output)).filter((n) => !n.startsWith(".")).sort(), ["00000.parquet", "00000.tar", "00000_stats.json"]);
});

test("e2e: the CLI rejects a bad option value with a message naming the option", async () => {
  const run = promisify(execFile)(join(repoRoot, "bin", "laion-dl"), ["download", "--url_list", "x.json", "--image_size", "big"]);
  await assert.rejects(run, (error: { stderr: string; code: number }) => {
    assert.match(error.stderr, /Expected an integer for --image_size but received "big"/);
    assert.equal(error.code, 1);
    return true;
  });
});
