import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createTarWriter } from "./tar-writer.ts";

test("tar writer: when the file cannot be written, every later add and finish report the file's error, and nothing is thrown uncaught", async () => {
  const dir = await mkdtemp(join(tmpdir(), "laion-dl-tar-"));
  try {
    // The temporary name is taken: the exclusive open fails, as a write on a full disk would,
    // while members are still queued in the archive's stream.
    const path = join(dir, ".00000.tar.0badf00d.tmp");
    await writeFile(path, "someone else's file");
    const tar = createTarWriter(path);
    const data = Buffer.alloc(20_000, 1);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await tar.add({ name: `${i}.jpg`, data }).then(
          () => "added",
          (error: NodeJS.ErrnoException) => `${error.code}: ${error.message}`,
        ),
      );
    }
    const refused = outcomes.filter((outcome) => outcome !== "added");
    assert.ok(refused.length > 0, `Expected the adds after the failed open to be refused but got ${outcomes.join("; ")}`);
    for (const outcome of refused) assert.match(outcome, /^EEXIST: /);
    await assert.rejects(tar.finish(), { code: "EEXIST" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
