import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { keyLayout, sampleKey, ShardJournal, writeShardFiles, type SampleRecord, type ShardSpec } from "./mod.ts";

const columns = { additional: [], caption: true, hash: "sha256" };

function record(row: number, status: SampleRecord["status"], errorMessage: string | null = null): SampleRecord {
  const ok = status === "success";
  return {
    row,
    status,
    errorMessage,
    extra: {},
    caption: `caption ${row}\twith tab`,
    url: `http://127.0.0.1/${row}.jpg`,
    width: ok ? 4 : null,
    height: ok ? 4 : null,
    originalWidth: ok ? 8 : null,
    originalHeight: ok ? 6 : null,
    exif: null,
    hash: ok ? "00".repeat(32) : null,
  };
}

async function tinyShard(dir: string, order: number[]) {
  const spec: ShardSpec = { id: 3, rowCount: 3, layout: keyLayout(10), columns, imageExtension: "jpg" };
  const journal = await ShardJournal.open(join(dir, "00003.journal"), 10);
  const samples = [
    { record: record(0, "success"), image: Buffer.from("image-zero") },
    { record: record(1, "failed_to_download", "HTTP Error 404: Not Found"), image: Buffer.alloc(0) },
    { record: record(2, "success"), image: Buffer.from("image-two") },
  ];
  await Promise.all(order.map((i) => journal.append(samples[i]!)));
  const written = await writeShardFiles(dir, spec, journal, { startTime: 1, endTime: 2 });
  await journal.close();
  return written;
}

test("shard: keys follow img2dataset's layout", () => {
  assert.equal(sampleKey(keyLayout(10_000), 42, 31), "000420031");
  assert.equal(sampleKey(keyLayout(10_000), 1, 5), "000010005");
  assert.equal(sampleKey(keyLayout(1000), 0, 999), "00000999");
  assert.equal(sampleKey(keyLayout(1), 7, 0), "00007");
});

test("shard: golden bytes for a tiny shard, whatever order samples completed in", async (t) => {
  const digests = new Set<string>();
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const dir = await mkdtemp(join(tmpdir(), "laion-dl-shard-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const written = await tinyShard(dir, order);
    const tarBytes = await readFile(join(dir, "00003.tar"));
    assert.equal(createHash("sha256").update(tarBytes).digest("hex"), written.tar.sha256);
    digests.add(`${written.tar.sha256} ${written.parquet.sha256}`);
    assert.deepEqual(written.stats.status_dict, { success: 2, "HTTP Error 404: Not Found": 1 });
    assert.deepEqual((await readdir(dir)).sort(), ["00003.journal", "00003.parquet", "00003.tar", "00003_stats.json"]);
  }
  assert.equal(digests.size, 1);
  assert.deepEqual([...digests], [
    "2a118ba356273aa33f4e24e3cfb188dfc00c798f9a22661c69fca13988a8437f 3ec738e95030634d536665653aa0f26df81a013e3be38a350de2fc6c421ed76c",
  ]);
});

test("shard: a journal reopened after a torn write keeps its whole records and drops the torn tail", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-journal-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "00000.journal");
  const journal = await ShardJournal.open(path, 4);
  await journal.append({ record: record(2, "success"), image: Buffer.from("two") });
  await journal.append({ record: record(0, "success"), image: Buffer.from("zero") });
  await journal.close();
  const whole = await readFile(path);
  await writeFile(path, Buffer.concat([whole, whole.subarray(0, 20)]));

  const reopened = await ShardJournal.open(path, 4);
  t.after(() => reopened.close());
  assert.equal(reopened.count, 2);
  assert.deepEqual([0, 1, 2, 3].map((row) => reopened.has(row)), [true, false, true, false]);
  assert.equal((await reopened.read(2)).image.toString(), "two");
  await reopened.append({ record: record(1, "failed_to_download", "timeout"), image: Buffer.alloc(0) });
  assert.equal((await reopened.read(1)).record.errorMessage, "timeout");
  assert.equal((await readFile(path)).length > whole.length, true);
});
