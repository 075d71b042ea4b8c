import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OutputFormat } from "@laion-dl/config";
import { verifyShard, type OutputFolder, type ShardStats } from "@laion-dl/shard";

export interface VerifiedShard {
  readonly count: number;
  readonly successes: number;
  readonly tarSha256: string;
  readonly parquetSha256: string;
}

/**
 * A finished shard's counts and digests when its files are in the folder and verify against their
 * checksum record (holding `rowCount` rows); null otherwise. What makes a shard done on the fleet,
 * as on a rerun of the embedded mode: a record in NATS is not enough once the folder is gone.
 */
export async function verifiedShardStats(folder: OutputFolder, name: string, format: OutputFormat, rowCount: number): Promise<VerifiedShard | null> {
  if ((await verifyShard(folder.root, folder.recordDir, name, format, rowCount)) !== null) return null;
  try {
    const stats = JSON.parse(await readFile(join(folder.root, `${name}_stats.json`), "utf8")) as ShardStats;
    const record = JSON.parse(await readFile(folder.record(name), "utf8")) as { tar?: { sha256: string }; parquet?: { sha256: string } };
    return { count: stats.count, successes: stats.successes, tarSha256: record.tar?.sha256 ?? "", parquetSha256: record.parquet?.sha256 ?? "" };
  } catch {
    return null;
  }
}
