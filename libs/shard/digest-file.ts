import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { withPath } from "./safe-files.ts";

/** A file being written whose sha256 is computed on the way to disk. */
export interface DigestFile {
  /** Where the writer sends bytes. */
  readonly input: Transform;
  /** Resolves once every byte is on disk (fsynced) with the file's sha256 and size. */
  readonly done: Promise<{ sha256: string; bytes: number }>;
  /**
   * The write's error (with the path) as soon as the file reports it, before `done` settles: a
   * writer whose own stream was torn down by it reports this cause instead of its own symptom.
   */
  failure(): unknown;
  /** Stops writing; resolves once the file is closed, so that removing it removes it for good. */
  abort(): Promise<void>;
}

export function createDigestFile(path: string): DigestFile {
  const hash = createHash("sha256");
  let bytes = 0;
  const input = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  // A fresh temporary name, created exclusively: never written through a symlink.
  const output = createWriteStream(path, { flags: "wx" });
  let failure: unknown;
  output.once("error", (error) => {
    failure ??= withPath(error, path);
  });
  const done = pipeline(input, output).then(
    async () => {
      await fsync(path);
      return { sha256: hash.digest("hex"), bytes };
    },
    (error: unknown) => {
      throw failure ?? withPath(error, path);
    },
  );
  done.catch(() => {}); // the writer awaits `done`; this only avoids an unhandled rejection before then
  return {
    input,
    done,
    failure: () => failure,
    async abort() {
      input.destroy();
      await done.catch(() => {});
    },
  };
}

export async function fsync(path: string): Promise<void> {
  const file = await open(path, "r");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
