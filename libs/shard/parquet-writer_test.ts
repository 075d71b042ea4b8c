import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createParquetWriter } from "./parquet-writer.ts";

test(
  "parquet writer: a disk that fills up mid-shard fails finish with 'no space left on device' and the path, instead of waiting forever",
  { timeout: 30_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "laion-dl-parquet-"));
    try {
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", dir], { stdio: "ignore" });
      } catch {
        t.skip("mounting a tmpfs needs root");
        return;
      }
      try {
        // output_format parquet: the images go in the file, 1.5 MB of them on a 200 KiB disk.
        const path = join(dir, ".00000.parquet.0badf00d.tmp");
        const writer = await createParquetWriter(path, { additional: [], caption: true, hash: null }, "jpg");
        const image = Buffer.alloc(30_000, 7);
        let failure: unknown = null;
        for (let row = 0; row < 50 && failure === null; row++) {
          await writer.append({ key: String(row), caption: "c", url: "http://127.0.0.1/x.jpg", status: "success" }, image).catch((error: unknown) => {
            failure = error;
          });
        }
        const message = `no space left on device writing ${path} (ENOSPC)`;
        if (failure !== null) assert.equal((failure as Error).message, message);
        await assert.rejects(writer.finish(), { message });
      } finally {
        execFileSync("umount", [dir]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
