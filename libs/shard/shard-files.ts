import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ShardJournal } from "./journal.ts";
import { sampleKey, shardName, type KeyLayout } from "./keys.ts";
import { createParquetWriter } from "./parquet-writer.ts";
import { pythonJsonDumps } from "./python-json.ts";
import { sampleMetadata, type ShardColumns } from "./sample.ts";
import { createStatsCounter, type ShardStats } from "./stats.ts";
import { fsync } from "./digest-file.ts";
import { createTarWriter } from "./tar-writer.ts";

export interface ShardSpec {
  readonly id: number;
  /** Manifest rows in this shard (the last shard may be short). */
  readonly rowCount: number;
  readonly layout: KeyLayout;
  readonly columns: ShardColumns;
  /** Image member extension: jpg, png or webp. */
  readonly imageExtension: string;
}

export interface WrittenShard {
  readonly name: string;
  readonly stats: ShardStats;
  readonly tar: { sha256: string; bytes: number };
  readonly parquet: { sha256: string; bytes: number };
}

/**
 * Writes SSSSS.tar, SSSSS.parquet and SSSSS_stats.json from a complete journal, in key order.
 * Each file is written under a hidden temporary name, fsynced and renamed into place; the stats
 * file goes last because its presence is what marks a shard done for img2dataset's tools.
 */
export async function writeShardFiles(
  outputDir: string,
  spec: ShardSpec,
  journal: ShardJournal,
  timing: { startTime: number; endTime?: number },
): Promise<WrittenShard> {
  if (journal.count !== spec.rowCount) {
    throw new Error(`shard ${spec.id} has ${journal.count} of ${spec.rowCount} rows journaled`);
  }
  const name = shardName(spec.layout, spec.id);
  const temp = (file: string) => join(outputDir, `.${file}.${randomBytes(4).toString("hex")}.tmp`);
  const tarTemp = temp(`${name}.tar`);
  const parquetTemp = temp(`${name}.parquet`);
  const statsTemp = temp(`${name}_stats.json`);
  try {
    const tarFile = createTarWriter(tarTemp);
    const parquetFile = await createParquetWriter(parquetTemp, spec.columns);
    const counter = createStatsCounter();
    for (let row = 0; row < spec.rowCount; row++) {
      const { record, image } = await journal.read(row);
      const key = sampleKey(spec.layout, spec.id, row);
      const metadata = sampleMetadata(record, key, spec.columns);
      counter.add(record);
      await parquetFile.append(metadata);
      if (record.status !== "success") continue;
      const members = [
        { name: `${key}.${spec.imageExtension}`, data: image },
        { name: `${key}.json`, data: Buffer.from(pythonJsonDumps(metadata)) },
        ...(spec.columns.caption ? [{ name: `${key}.txt`, data: Buffer.from(record.caption ?? "") }] : []),
      ].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const member of members) await tarFile.add(member);
    }
    const tar = await tarFile.finish();
    const parquet = await parquetFile.finish();
    const stats = counter.finish(timing.startTime, timing.endTime ?? Date.now() / 1000);
    await writeFile(statsTemp, JSON.stringify(stats, null, 4));
    await fsync(statsTemp);
    await rename(tarTemp, join(outputDir, `${name}.tar`));
    await rename(parquetTemp, join(outputDir, `${name}.parquet`));
    await rename(statsTemp, join(outputDir, `${name}_stats.json`));
    await fsync(outputDir);
    return { name, stats, tar, parquet };
  } catch (error) {
    await Promise.all([tarTemp, parquetTemp, statsTemp].map((path) => rm(path, { force: true })));
    throw error;
  }
}
