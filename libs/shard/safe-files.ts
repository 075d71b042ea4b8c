import { constants } from "node:fs";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readFile, rename } from "node:fs/promises";
import { fsync } from "./digest-file.ts";

/*
 * Files in an output folder are never opened through a symlink someone planted there: new files
 * are created exclusively (O_EXCL fails on any existing name, a link included) under fresh names and
 * renamed into place (a rename replaces a link, never writes through it); existing ones are
 * opened with O_NOFOLLOW.
 */

/** Open flags for a file made fresh: fails if the name exists at all, symlinks included. */
export const CREATE_NEW = "wx";

/** Reads a file of the output folder, refusing (ELOOP) to follow a symlink. */
export function readNoFollow(path: string): Promise<string> {
  return readFile(path, { encoding: "utf8", flag: constants.O_RDONLY | constants.O_NOFOLLOW });
}

/** Opens an existing file read-write (or creates it) without following a symlink. */
export async function openNoFollow(path: string): Promise<Awaited<ReturnType<typeof open>>> {
  try {
    return await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") {
      throw new Error(`Expected a regular file at ${path} but it is a symlink; not following it (remove it to continue)`, { cause: error });
    }
    throw error;
  }
}

/**
 * Replaces `path` with `data` atomically: a fresh temporary file renamed over it, fsynced first
 * unless `durable` is false (a cache such as the manifest index, rebuilt if lost).
 */
export async function replaceFile(path: string, data: string, { durable = true }: { durable?: boolean } = {}): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeNew(temp, data);
  if (durable) await fsync(temp);
  await rename(temp, path);
}

/** Creates `path` with `data`; fails if anything, a symlink included, is already there. */
export async function writeNew(path: string, data: string | Buffer): Promise<void> {
  const file = await open(path, CREATE_NEW, 0o644).catch((error: unknown) => {
    throw withPath(error, path);
  });
  try {
    await file.writeFile(data).catch((error: unknown) => {
      throw withPath(error, path);
    });
  } finally {
    await file.close();
  }
}

/** File-system errors a user can act on, in the words `df` and `ls -l` use. */
const ACTIONABLE: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EFBIG: "file too large", // past the process's file-size limit (ulimit -f) or the file system's
};

/**
 * The error with the path it concerns, for a full disk or a permission problem (Node's write
 * errors do not say which file): "no space left on device writing /data/out/.laion-dl/journal/…".
 * The code stays, so the gRPC edge still maps EACCES to PERMISSION_DENIED.
 */
export function withPath(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const words = code === undefined ? undefined : ACTIONABLE[code];
  if (words === undefined || (error as Error).message.includes(path)) return error;
  return Object.assign(new Error(`${words} writing ${path} (${code})`, { cause: error }), { code, path });
}

/** Creates each directory (with its parents) and checks that none of them is a symlink. */
export async function makeRealDirectories(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(path, { recursive: true });
    if ((await lstat(path)).isSymbolicLink()) throw new Error(`Expected a directory at ${path} but it is a symlink; not following it (remove it to continue)`);
  }
}
