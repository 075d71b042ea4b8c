// A rerun over a folder whose first shards are finished reads the manifest from just after their
// rows (WORK_DIR/manifest-index.json): those rows are never parsed again. Proven by overwriting
// them with garbage (same size) before the rerun, which still ends byte-identical.
import assert from "node:assert/strict";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import { outputFolder } from "@laion-dl/shard";
import { imagePath, startFixtureServer, type FixtureServer } from "@laion-dl/testing";
import { outputDigests } from "../helpers/shards.ts";

const PER_SHARD = 4;
const ROWS = 11; // shards of 4, 4 and 3 rows
/** Unsaved padding, so the manifest (~4.4 MB) is larger than the fingerprint's first and last MiB. */
const PAD = 400_000;
const MIB = 1 << 20;

let server: FixtureServer;
let work: string;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-offset-"));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function options(manifest: string, folder: string) {
  return parseDownloadOptions({
    url_list: manifest,
    input_format: "json",
    url_col: "url",
    caption_col: "caption",
    output_folder: folder,
    image_size: "32",
    number_sample_per_shard: String(PER_SHARD),
    thread_count: "8",
    timeout: "5",
    allow_private_network: "True",
  });
}

test("e2e: a rerun reads the manifest from after the finished shards' rows", async () => {
  const manifest = join(work, "rows.json");
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    caption: `row ${i}`,
    url: `${server.baseUrl}${imagePath({ kind: "photo", seed: i, width: 40 + i, height: 30, format: "jpg" })}`,
    pad: "p".repeat(PAD),
  }));
  await writeManifest(manifest, rows, "json");
  const folder = join(work, "out");

  const first = await runDownload(options(manifest, folder));
  assert.equal(first.shards, 3);
  const clean = await outputDigests(folder);
  const index = JSON.parse(await readFile(outputFolder(folder).manifestIndex, "utf8")) as {
    shards: Record<string, { count: number; nextOffset: number; nextIndex: number }>;
  };
  assert.deepEqual(
    Object.values(index.shards)
      .map(({ count, nextIndex }) => ({ count, nextIndex }))
      .sort((a, b) => a.nextIndex - b.nextIndex),
    [
      { count: 4, nextIndex: 4 },
      { count: 4, nextIndex: 8 },
      { count: 3, nextIndex: 11 },
    ],
  );
  const shard1End = Object.values(index.shards).find((entry) => entry.nextIndex === 8)!.nextOffset;

  // The last shard is unfinished, as after an interrupted run.
  const names = Object.keys(clean).filter((name) => name.startsWith("00002"));
  assert.ok(names.length > 0);
  for (const name of names) await rm(join(folder, name));
  await rm(outputFolder(folder).record("00002"), { force: true });

  // Garbage over the rows of shards 0 and 1, except the first MiB (hashed by the job fingerprint).
  const size = (await stat(manifest)).size;
  assert.ok(shard1End < size - MIB, "shards 0-1 end before the last MiB");
  const file = await open(manifest, "r+");
  await file.write(Buffer.alloc(shard1End - MIB, "#"), 0, shard1End - MIB, MIB);
  await file.close();
  assert.equal((await stat(manifest)).size, size);

  const skipped: string[] = [];
  const rerun = await runDownload(options(manifest, folder), { onShardSkipped: (name) => skipped.push(name) });
  assert.deepEqual(skipped, ["00000", "00001"]);
  assert.equal(rerun.skippedShards, 2);
  assert.equal(rerun.shards, 1);
  assert.deepEqual(await outputDigests(folder), clean);

  // Without the index, the rerun has to parse the garbage: proof that the bytes are corrupt.
  await rm(outputFolder(folder).manifestIndex);
  await assert.rejects(runDownload(options(manifest, folder)), /ManifestError|expected|invalid/);
});
