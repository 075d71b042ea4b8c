import tar from "tar-stream";
import { createDigestFile } from "./digest-file.ts";

/** Fixed header fields: nothing about the machine or the time reaches the archive. */
const FIXED_HEADER = {
  mtime: new Date(0),
  mode: 0o644,
  uid: 0,
  gid: 0,
  uname: "",
  gname: "",
  type: "file",
} as const;

export interface TarMember {
  readonly name: string;
  readonly data: Buffer;
}

/** A tar archive written member by member; add() waits when the disk falls behind. */
export interface TarWriter {
  add(member: TarMember): Promise<void>;
  finish(): Promise<{ sha256: string; bytes: number }>;
  /** Stops writing (no add() in flight); resolves once the file is closed. */
  abort(): Promise<void>;
}

export function createTarWriter(path: string): TarWriter {
  const pack = tar.pack();
  const file = createDigestFile(path);
  pack.pipe(file.input);
  pack.on("error", (error) => file.input.destroy(error));
  return {
    add(member) {
      return new Promise((resolve, reject) => {
        // A failed write (a full disk) tears the pack down too: its "already finalized or
        // destroyed" is a symptom, the file's error the cause to report.
        const fail = (error: unknown) => reject(file.failure() ?? error);
        try {
          const entry = pack.entry({ ...FIXED_HEADER, name: member.name, size: member.data.length }, member.data, (error) => (error ? fail(error) : resolve()));
          // Torn down with the pack, the entry's stream also emits the error the callback gets:
          // unheard, it would be an uncaught exception.
          entry.on("error", () => {});
        } catch (error) {
          fail(error);
        }
      });
    },
    finish() {
      pack.finalize();
      return file.done;
    },
    abort() {
      pack.destroy();
      return file.abort();
    },
  };
}
