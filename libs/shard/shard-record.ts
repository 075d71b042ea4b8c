import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { readNoFollow, replaceFile } from "./safe-files.ts";
import type { OutputFormat } from "./shard-files.ts";

/**
 * What a finished shard's files must be, kept beside the output (WORK_DIR/shards/SSSSS.json) so a
 * rerun verifies a shard instead of trusting that its stats file exists.
 */
export interface ShardRecord {
  readonly name: string;
  readonly count: number;
  readonly tar: { readonly sha256: string; readonly bytes: number };
  readonly parquet: { readonly sha256: string; readonly bytes: number };
}

export async function writeShardRecord(recordDir: string, record: ShardRecord): Promise<void> {
  await mkdir(recordDir, { recursive: true });
  await replaceFile(join(recordDir, `${record.name}.json`), JSON.stringify(record, null, 2));
}

/**
 * Why the finished shard `name` cannot be kept, or null when its files match its record and it
 * holds `rowCount` rows. Recomputes the sha256 of the .tar and .parquet (sizes first, as they are
 * cheap); a files-format folder is only checked for presence.
 */
export async function verifyShard(outputDir: string, recordDir: string, name: string, format: OutputFormat, rowCount: number): Promise<string | null> {
  let record: ShardRecord;
  try {
    record = JSON.parse(await readNoFollow(join(recordDir, `${name}.json`))) as ShardRecord;
  } catch {
    return "no checksum record";
  }
  if (record.count !== rowCount) return `holds ${record.count} rows, the manifest has ${rowCount}`;
  const files: Array<[string, { sha256: string; bytes: number }]> = [];
  if (format === "webdataset") files.push([`${name}.tar`, record.tar]);
  if (format !== "dummy") files.push([`${name}.parquet`, record.parquet]);
  if (format === "files" && !(await stat(join(outputDir, name)).catch(() => null))?.isDirectory()) return `${name}/ is missing`;
  for (const [file, want] of files) {
    const size = (await stat(join(outputDir, file)).catch(() => null))?.size;
    if (size === undefined) return `${file} is missing`;
    if (size !== want.bytes) return `${file} has ${size} bytes, ${want.bytes} recorded`;
  }
  for (const [file, want] of files) {
    if ((await sha256File(join(outputDir, file))) !== want.sha256) return `${file} does not match its recorded sha256`;
  }
  return null;
}

/** Removes a shard's files, stats first so that it never looks done while only half removed. */
export async function removeShard(outputDir: string, recordDir: string, name: string): Promise<void> {
  await rm(join(outputDir, `${name}_stats.json`), { force: true });
  for (const path of [`${name}.tar`, `${name}.parquet`, name].map((file) => join(outputDir, file))) {
    await rm(path, { recursive: true, force: true });
  }
  await rm(join(recordDir, `${name}.json`), { force: true });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
