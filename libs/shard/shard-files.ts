import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { JournalSample } from "./journal.ts";
import { writeNew } from "./safe-files.ts";
import { sampleKey, shardName, type KeyLayout } from "./keys.ts";
import { createParquetWriter, type ParquetShardWriter } from "./parquet-writer.ts";
import { pythonJsonDumps } from "./python-json.ts";
import { sampleMetadata, type ShardColumns } from "./sample.ts";
import { createStatsCounter, type ShardStats } from "./stats.ts";
import { fsync } from "./digest-file.ts";
import { createTarWriter, type TarWriter } from "./tar-writer.ts";
import { writeShardRecord } from "./shard-record.ts";

export interface ShardSpec {
  readonly id: number;
  readonly layout: KeyLayout;
  readonly columns: ShardColumns;
  /** Image member extension: jpg, png or webp. */
  readonly imageExtension: string;
  /**
   * img2dataset's output_format: webdataset (SSSSS.tar), files (SSSSS/KEY.jpg|.json|.txt), parquet
   * (the image in a binary column named after imageExtension) or dummy (stats only). Default webdataset.
   * Every format but dummy also writes SSSSS.parquet; all of them write SSSSS_stats.json.
   */
  readonly outputFormat?: OutputFormat;
}

export type OutputFormat = "webdataset" | "files" | "parquet" | "dummy";

/** What `tar` holds for formats without an archive: no bytes, no digest. */
const NO_ARCHIVE = { sha256: "", bytes: 0 };

export interface WrittenShard {
  readonly name: string;
  readonly stats: ShardStats;
  /** The .tar (webdataset), or NO_ARCHIVE for the other formats. */
  readonly tar: { sha256: string; bytes: number };
  /** The .parquet, or NO_ARCHIVE for dummy. */
  readonly parquet: { sha256: string; bytes: number };
}

/** A shard's files, written row by row while the shard downloads. */
export interface ShardWriter {
  /** Adds the next row: rows come strictly in key order 0, 1, 2…, one call at a time. */
  append(sample: JournalSample): Promise<void>;
  /** Checks that exactly `rowCount` rows came, then puts the files in place. */
  finish(rowCount: number, times: { startTime: number; endTime?: number }): Promise<WrittenShard>;
  /** After a failure, or to give up: stops writing and removes the temporary files. */
  abort(): Promise<void>;
}

/**
 * Opens SSSSS.tar, SSSSS.parquet (or the files format's SSSSS/ folder) under hidden temporary
 * names; finish() fsyncs each and renames it into place, SSSSS_stats.json last because its
 * presence is what marks a shard done for img2dataset's tools; with `recordDir`, the shard's
 * checksum record goes just before it.
 */
export async function openShardWriter(outputDir: string, spec: ShardSpec, options: { recordDir?: string } = {}): Promise<ShardWriter> {
  const format = spec.outputFormat ?? "webdataset";
  const name = shardName(spec.layout, spec.id);
  const temp = (file: string) => join(outputDir, `.${file}.${randomBytes(4).toString("hex")}.tmp`);
  const tarTemp = temp(`${name}.tar`);
  const filesTemp = temp(name);
  const parquetTemp = temp(`${name}.parquet`);
  const statsTemp = temp(`${name}_stats.json`);
  let tarFile: TarWriter | null = null;
  let parquetFile: ParquetShardWriter | null = null;
  const abort = async () => {
    await Promise.all([tarFile?.abort(), parquetFile?.abort()]);
    await Promise.all([tarTemp, filesTemp, parquetTemp, statsTemp].map((path) => rm(path, { recursive: true, force: true })));
  };
  try {
    if (format === "webdataset") tarFile = createTarWriter(tarTemp);
    if (format === "files") await mkdir(filesTemp);
    const imageColumn = format === "parquet" ? spec.imageExtension : undefined;
    if (format !== "dummy") parquetFile = await createParquetWriter(parquetTemp, spec.columns, imageColumn);
  } catch (error) {
    await abort();
    throw error;
  }
  const counter = createStatsCounter();
  let nextRow = 0;
  return {
    async append({ record, image }) {
      if (record.row !== nextRow) throw new Error(`Expected row ${nextRow} for shard ${name} but received row ${record.row}`);
      nextRow++;
      const key = sampleKey(spec.layout, spec.id, record.row);
      const metadata = sampleMetadata(record, key, spec.columns);
      counter.add(record);
      const success = record.status === "success";
      await parquetFile?.append(metadata, success ? image : undefined);
      if (!success || (!tarFile && format !== "files")) return;
      const members = [
        { name: `${key}.${spec.imageExtension}`, data: image },
        { name: `${key}.json`, data: Buffer.from(pythonJsonDumps(metadata)) },
        ...(spec.columns.caption ? [{ name: `${key}.txt`, data: Buffer.from(record.caption ?? "") }] : []),
      ].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const member of members) {
        if (tarFile) await tarFile.add(member);
        else await writeSynced(join(filesTemp, member.name), member.data);
      }
    },
    async finish(rowCount, { startTime, endTime = Date.now() / 1000 }) {
      if (nextRow !== rowCount) throw new Error(`Expected ${rowCount} rows for shard ${name} but received ${nextRow}`);
      const tar = tarFile ? await tarFile.finish() : NO_ARCHIVE;
      const parquet = parquetFile ? await parquetFile.finish() : NO_ARCHIVE;
      const stats = counter.finish(startTime, endTime);
      await writeNew(statsTemp, JSON.stringify(stats, null, 4));
      await fsync(statsTemp);
      if (tarFile) await rename(tarTemp, join(outputDir, `${name}.tar`));
      if (format === "files") {
        await fsync(filesTemp);
        // A folder left by a run that stopped before its stats file is replaced whole.
        await rm(join(outputDir, name), { recursive: true, force: true });
        await rename(filesTemp, join(outputDir, name));
      }
      if (parquetFile) await rename(parquetTemp, join(outputDir, `${name}.parquet`));
      if (options.recordDir) await writeShardRecord(options.recordDir, { name, count: rowCount, tar, parquet });
      await rename(statsTemp, join(outputDir, `${name}_stats.json`));
      await fsync(outputDir);
      return { name, stats, tar, parquet };
    },
    abort,
  };
}

/** A file that is on disk once this resolves, so the folder renamed into place holds whole files. */
async function writeSynced(path: string, data: Buffer): Promise<void> {
  const file = await open(path, "wx");
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}
