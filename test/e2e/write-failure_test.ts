// Finding 6 through the whole CLI: shard 0's last writes fail (a file-size limit, `ulimit -f`, the
// way a full disk would fail them) while the later shards are still downloading. The run ends with
// one line naming the file, no unhandled rejection or stack, and loses nothing: a rerun finishes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { writeManifest } from "@laion-dl/manifest";
import { imagePath, startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { readParquetRows } from "../helpers/shards.ts";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
const ROWS = 80;
let fixture: FixtureServer;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "laion-dl-write-failure-"));
  fixture = await startFixtureServer();
});

after(async () => {
  await fixture?.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs `laion-dl download`, under `ulimit -f` when a limit is given; never rejects. */
function download(args: readonly string[], fileSizeLimitBytes?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  // POSIX sh counts -f in 512-byte blocks. Node ignores SIGXFSZ, so a write past the limit fails with EFBIG.
  const limit = fileSizeLimitBytes === undefined ? "" : `ulimit -f ${Math.floor(fileSizeLimitBytes / 512)}; `;
  return promisify(execFile)("sh", ["-c", `${limit}exec "$0" "$@"`, laionDl, "download", ...args]).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

const rows = (count: number, slowFrom: number) =>
  Array.from({ length: count }, (_, i) => ({
    caption: `row ${i}`,
    url: `${fixture.baseUrl}${i >= slowFrom ? "/slow/3000" : ""}${imagePath({ kind: "photo", format: "png", width: 200, height: 200, seed: i })}`,
  }));

const options = (manifest: string, output: string) => [
  ...["--url_list", manifest, "--input_format", "json", "--caption_col", "caption", "--output_folder", output, "--allow_private_network", "True"],
  ...["--image_size", "200", "--resize_mode", "no", "--encode_format", "png", "--encode_quality", "1", "--number_sample_per_shard", "20"],
];

test("write failure: shard 0's tar outgrows the file-size limit while shards 1-3 download: one line naming the file, then a rerun finishes", async () => {
  // Shard 0 alone, unlimited: its tar's size. Its journal holds the same images with less framing
  // (no 512-byte tar headers), so a limit a few KiB under the tar stops the tar's last writes only.
  const first = join(work, "first.json");
  await writeManifest(first, rows(20, 20), "json");
  const measured = await download(options(first, join(work, "measure")));
  assert.equal(measured.code, 0, measured.stderr); // also bundles the CLI into its cache, outside the limit
  const tarBytes = (await stat(join(work, "measure", "00000.tar"))).size;

  const manifest = join(work, "rows.json");
  await writeManifest(manifest, rows(ROWS, 20), "json");
  const output = join(work, "out");
  const failed = await download(options(manifest, output), tarBytes - 8 * 1024);
  assert.equal(failed.code, 1, failed.stderr);
  const lines = failed.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, no stack or unhandled rejection:\n${failed.stderr}`);
  assert.match(lines[0]!, new RegExp(`^laion-dl: file too large writing ${output}/\\S*00000\\.tar\\S* \\(EFBIG\\)$`));
  for (const shard of ["00000", "00001", "00002", "00003"]) {
    // Shard 0: no partial file in place; 1-3: still downloading (3 s a row) when the run stopped.
    await assert.rejects(stat(join(output, `${shard}.tar`)), { code: "ENOENT" }, `${shard}.tar`);
  }

  const rerun = await download(options(manifest, output));
  assert.equal(rerun.code, 0, rerun.stderr);
  const written = await readParquetRows(output);
  assert.deepEqual(
    written.map((row) => [row.caption, row.status]),
    rows(ROWS, 20).map((row) => [row.caption, "success"]),
  );
});
