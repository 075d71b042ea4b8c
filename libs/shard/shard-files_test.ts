import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { keyLayout, openShardWriter, sampleKey, ShardJournal, type OutputFormat, type SampleRecord, type ShardSpec } from "./mod.ts";

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

const spec: ShardSpec = { id: 3, layout: keyLayout(10), columns, imageExtension: "jpg" };
const samples = [
  { record: record(0, "success"), image: Buffer.from("image-zero") },
  { record: record(1, "failed_to_download", "HTTP Error 404: Not Found"), image: Buffer.alloc(0) },
  { record: record(2, "success"), image: Buffer.from("image-two") },
];

/** Journals the samples in `order`, each row going to the writer as soon as the rows before it are in, as the assembler does. */
async function tinyShard(dir: string, order: number[]) {
  const journal = await ShardJournal.open(join(dir, "00003.journal"), 10);
  const writer = await openShardWriter(dir, spec);
  let nextRow = 0;
  for (const i of order) {
    await journal.append(samples[i]!);
    while (journal.has(nextRow)) await writer.append(await journal.read(nextRow++));
  }
  const written = await writer.finish(samples.length, { startTime: 1, endTime: 2 });
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
  for (const order of [
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0],
  ]) {
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
  assert.deepEqual(
    [...digests],
    ["2a118ba356273aa33f4e24e3cfb188dfc00c798f9a22661c69fca13988a8437f 3ec738e95030634d536665653aa0f26df81a013e3be38a350de2fc6c421ed76c"],
  );
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
  assert.deepEqual(
    [0, 1, 2, 3].map((row) => reopened.has(row)),
    [true, false, true, false],
  );
  assert.equal((await reopened.read(2)).image.toString(), "two");
  await reopened.append({ record: record(1, "failed_to_download", "timeout"), image: Buffer.alloc(0) });
  assert.equal((await reopened.read(1)).record.errorMessage, "timeout");
  assert.equal((await readFile(path)).length > whole.length, true);
});

test("shard: a journaled row reads as there only once its record is written", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-journal-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const journal = await ShardJournal.open(join(dir, "00000.journal"), 4);
  t.after(() => journal.close());
  const appended = journal.append(samples[0]!);
  assert.equal(journal.has(0), false);
  await assert.rejects(journal.append(samples[0]!), /row 0 is already journaled/);
  await appended;
  assert.equal(journal.has(0), true);
  assert.equal((await journal.read(0)).image.toString(), "image-zero");
});

test("shard: rows read back right after their append equal the rows a reopened journal reads from disk", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-journal-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "00000.journal");
  // 6 × 3 MiB: more than the journal keeps in memory, so some rows come from each path.
  const appended = [0, 1, 2, 3, 4, 5].map((row) => ({
    record: { ...record(row, "success"), extra: { score: 0.5, dropped_by_json: undefined, nested: { list: [row] } } },
    image: Buffer.alloc(3 * 1024 * 1024, row + 1),
  }));
  const journal = await ShardJournal.open(path, 6);
  for (const sample of appended) await journal.append(sample);
  const firstReads = [];
  for (const row of [5, 0, 4, 1, 3, 2]) firstReads[row] = await journal.read(row);
  const secondReads = [];
  for (let row = 0; row < 6; row++) secondReads[row] = await journal.read(row); // memory is spent: disk
  await journal.close();

  const reopened = await ShardJournal.open(path, 6);
  t.after(() => reopened.close());
  for (let row = 0; row < 6; row++) {
    const fromDisk = await reopened.read(row);
    assert.deepEqual(firstReads[row], fromDisk, `row ${row}, first read`);
    assert.deepEqual(secondReads[row], fromDisk, `row ${row}, second read`);
    assert.ok(fromDisk.image.equals(appended[row]!.image));
    assert.equal("dropped_by_json" in fromDisk.record.extra, false);
  }
});

test("shard: the writer takes rows in key order and exactly the count it is finished with", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-shard-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const writer = await openShardWriter(dir, spec);
  await assert.rejects(writer.append(samples[1]!), /Expected row 0 for shard 00003 but received row 1/);
  await writer.append(samples[0]!);
  await assert.rejects(writer.append(samples[0]!), /Expected row 1 for shard 00003 but received row 0/);
  await writer.append(samples[1]!);
  await assert.rejects(writer.finish(3, { startTime: 1 }), /Expected 3 rows for shard 00003 but received 2/);
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test("shard: abort removes the temporary files and leaves nothing under a final name", { timeout: 10_000 }, async (t) => {
  for (const outputFormat of ["webdataset", "files", "parquet", "dummy"] satisfies OutputFormat[]) {
    const dir = await mkdtemp(join(tmpdir(), "laion-dl-shard-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const writer = await openShardWriter(dir, { ...spec, outputFormat }, { recordDir: join(dir, "records") });
    for (const sample of samples) await writer.append(sample);
    // The streams open their files in the background; abort once they are all there.
    const tempFiles = { webdataset: 2, files: 2, parquet: 1, dummy: 0 }[outputFormat];
    while ((await readdir(dir)).length < tempFiles) await sleep(5);
    const names = await readdir(dir);
    assert.ok(
      names.every((name) => /^\.00003.*\.tmp$/.test(name)),
      `${outputFormat}: ${names.join(", ")}`,
    );
    await writer.abort();
    assert.deepEqual(await readdir(dir), [], outputFormat);
  }
});
