// Reads a finished output folder back, with readers this project did not write where it matters.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import tar from "tar-stream";

export interface ParquetRow {
  readonly [column: string]: string | number | null;
}

/** Every row of every SSSSS.parquet in the folder, read by DuckDB, in file then row order. */
export async function readParquetRows(folder: string): Promise<ParquetRow[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${join(folder, "*.parquet")}', filename = false) ORDER BY key`);
    return reader.getRowObjectsJson() as ParquetRow[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function parquetColumns(path: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    return reader.getRowObjectsJson().map((row) => String(row.column_name));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** All members of a tar, in archive order. */
export async function readTarMembers(path: string): Promise<Array<{ name: string; data: Buffer; mtime: number; uid: number; mode: number }>> {
  const members: Array<{ name: string; data: Buffer; mtime: number; uid: number; mode: number }> = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        members.push({ name: header.name, data: Buffer.concat(chunks), mtime: header.mtime?.getTime() ?? -1, uid: header.uid ?? -1, mode: header.mode ?? -1 });
        next();
      });
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  createReadStream(path).pipe(extract);
  await done;
  return members;
}

/** Member names as the system tar lists them. */
export function systemTarList(path: string): string[] {
  return execFileSync("tar", ["-tf", path]).toString().trim().split("\n").filter(Boolean);
}

/** Member names as Python's tarfile lists them (what webdataset builds on). */
export function pythonTarList(path: string): string[] {
  const script = "import sys, tarfile, json; print(json.dumps([m.name for m in tarfile.open(sys.argv[1]) if m.isfile()]))";
  return JSON.parse(execFileSync("python3", ["-c", script, path]).toString()) as string[];
}

/** sha256 of every .tar and .parquet in the folder: the identity of a run's output. */
export async function outputDigests(folder: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort()) {
    if (!name.endsWith(".tar") && !name.endsWith(".parquet")) continue;
    digests[name] = createHash("sha256")
      .update(await readFile(join(folder, name)))
      .digest("hex");
  }
  return digests;
}
