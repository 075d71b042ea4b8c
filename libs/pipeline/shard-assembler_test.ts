import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { keyLayout, type OutputFormat } from "@laion-dl/shard";
import { createLimiter } from "./limiter.ts";
import type { SampleInput, SampleStages } from "./sample-processor.ts";
import { assembleShard, type AssemblyContext } from "./shard-assembler.ts";

const ROWS = 30;
const IMAGE_BYTES = 20_000;

/** The rows of one shard; with `pause`, the rows from `pause.at` on wait for `pause.until`. */
async function* inputs(pause?: { at: number; until: Promise<void> }): AsyncGenerator<SampleInput> {
  for (let row = 0; row < ROWS; row++) {
    if (row === pause?.at) await pause.until;
    yield { row, url: `http://127.0.0.1/${row}.jpg`, caption: `caption ${row}`, extra: {} };
  }
}

/** Stages that serve each row a distinct image at once, except rows held until released. */
function heldStages() {
  const gates = new Map<number, { opened: Promise<void>; open: () => void }>();
  const fetched: number[] = [];
  const stages: SampleStages = {
    async fetch(url) {
      const row = Number(/(\d+)\.jpg$/.exec(url)?.[1]);
      fetched.push(row);
      await gates.get(row)?.opened;
      return { body: Buffer.alloc(IMAGE_BYTES, row), retries: 0 };
    },
    transform: () => Promise.reject(new Error("not called with disable_all_reencoding")),
  };
  return {
    stages,
    fetched,
    hold(row: number) {
      let open!: () => void;
      gates.set(row, { opened: new Promise((resolve) => (open = resolve)), open });
    },
    release: (row: number) => gates.get(row)?.open(),
  };
}

async function contextFor(t: TestContext, stages: SampleStages, outputFormat?: OutputFormat): Promise<AssemblyContext> {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-assembler-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return {
    outputDir: dir,
    journalDir: join(dir, "journal"),
    layout: keyLayout(ROWS),
    columns: { additional: [], caption: true, hash: null },
    imageExtension: "jpg",
    hashAlgorithm: null,
    sample: { disableAllReencoding: true },
    stages,
    window: createLimiter(8),
    ...(outputFormat ? { outputFormat } : {}),
  };
}

async function digests(dir: string): Promise<Record<string, string>> {
  const entries = ["00000.tar", "00000.parquet"].map(async (name) => [
    name,
    createHash("sha256")
      .update(await readFile(join(dir, name)))
      .digest("hex"),
  ]);
  return Object.fromEntries(await Promise.all(entries));
}

/** Size of the shard's temporary tar, 0 before it exists. */
async function tempTarBytes(dir: string): Promise<number> {
  const name = (await readdir(dir)).find((n) => /^\.00000\.tar\..*\.tmp$/.test(n));
  return name ? (await stat(join(dir, name))).size : 0;
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`still waiting for ${condition.toString()}`);
    await sleep(5);
  }
}

test("shard-assembler: rows reach the tar as soon as the rows before them are in, and the bytes do not depend on completion order", async (t) => {
  const clean = await contextFor(t, heldStages().stages);
  await assembleShard(clean, 0, inputs()).done;

  const held = heldStages();
  held.hold(0);
  held.hold(ROWS - 1);
  const context = await contextFor(t, held.stages);
  const assembly = assembleShard(context, 0, inputs());
  await until(() => assembly.rowsDone() === ROWS - 2);
  held.release(0);
  // Everything but the last row is written while the last row still downloads.
  await until(async () => (await tempTarBytes(context.outputDir)) > (ROWS - 1) * IMAGE_BYTES);
  assert.deepEqual(
    (await readdir(context.outputDir)).filter((name) => !name.startsWith(".")),
    ["journal"],
  );
  held.release(ROWS - 1);
  const written = await assembly.done;
  assert.equal(await assembly.inputConsumed, ROWS);
  assert.equal(written.stats.successes, ROWS);
  assert.deepEqual(await digests(context.outputDir), await digests(clean.outputDir));
});

test("shard-assembler: an aborted shard removes its temporary files, keeps its journal, and a rerun resumes from it", async (t) => {
  const clean = await contextFor(t, heldStages().stages);
  await assembleShard(clean, 0, inputs()).done;

  const first = heldStages();
  const context = await contextFor(t, first.stages);
  const abort = new AbortController();
  let resumeInput!: () => void;
  const assembly = assembleShard(context, 0, inputs({ at: 15, until: new Promise((resolve) => (resumeInput = resolve)) }), abort.signal);
  await until(async () => assembly.rowsDone() === 15 && (await tempTarBytes(context.outputDir)) > 0);
  abort.abort();
  resumeInput();
  await Promise.all([assembly.done, assembly.inputConsumed].map((settled) => assert.rejects(settled, { name: "AbortError" })));
  assert.deepEqual(await readdir(context.outputDir), ["journal"]);
  assert.deepEqual(await readdir(context.journalDir), ["00000.journal"]);

  const rerun = heldStages();
  await assembleShard({ ...context, stages: rerun.stages }, 0, inputs()).done;
  assert.deepEqual(
    rerun.fetched.sort((a, b) => a - b),
    Array.from({ length: ROWS - 15 }, (_, i) => 15 + i),
  );
  assert.deepEqual(await digests(context.outputDir), await digests(clean.outputDir));
  assert.deepEqual(await readdir(context.journalDir), []);
});

test("shard-assembler: a failure to write the shard's files fails the shard and keeps its journal", async (t) => {
  const held = heldStages();
  held.hold(1);
  const context = await contextFor(t, held.stages, "files");
  const assembly = assembleShard(context, 0, inputs());
  const tempFolder = async () => (await readdir(context.outputDir)).find((name) => /^\.00000\.[0-9a-f]{8}\.tmp$/.test(name));
  await until(async () => {
    const folder = await tempFolder();
    return folder !== undefined && (await readdir(join(context.outputDir, folder))).length === 3; // row 0's jpg, json, txt
  });
  await rm(join(context.outputDir, (await tempFolder())!), { recursive: true });
  held.release(1);
  await assert.rejects(assembly.done, { code: "ENOENT" });
  assert.deepEqual(await readdir(context.outputDir), ["journal"]);
  assert.deepEqual(await readdir(context.journalDir), ["00000.journal"]);
});
