import { access, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import type { DownloadOptions } from "@laion-dl/config";
import { createFetcher, fetcherOptionsOf } from "@laion-dl/fetch";
import { openManifest, type ManifestRow } from "@laion-dl/manifest";
import { keyLayout, shardName, type ShardColumns } from "@laion-dl/shard";
import { transformImage, type TransformOptions } from "@laion-dl/transform";
import { createLimiter } from "./limiter.ts";
import { assembleShard, type AssembledShard, type AssemblyContext } from "./shard-assembler.ts";
import type { SampleInput, SampleStages } from "./sample-processor.ts";
import { shardGroups } from "./shard-groups.ts";

export interface DownloadSummary {
  readonly shards: number;
  readonly skippedShards: number;
  readonly count: number;
  readonly successes: number;
  readonly failedToDownload: number;
  readonly failedToResize: number;
  readonly downloadedBytes: number;
  readonly retries: number;
  readonly durationSeconds: number;
}

export interface DownloadHooks {
  onShardWritten?(shard: AssembledShard): void;
  onShardSkipped?(name: string): void;
}

/** Where a job keeps its working files inside the output folder (hidden from shard globs). */
export const WORK_DIR = ".laion-dl";
/** Shards whose input is being read or processed at once; bounds the number of open journals. */
const MAX_OPEN_SHARDS = 4;

export function transformOptionsOf(options: DownloadOptions): TransformOptions {
  return {
    imageSize: options.image_size,
    resizeMode: options.resize_mode,
    resizeOnlyIfBigger: options.resize_only_if_bigger,
    minImageSize: options.min_image_size,
    maxImageArea: options.max_image_area,
    maxAspectRatio: options.max_aspect_ratio,
    encodeFormat: options.encode_format,
    encodeQuality: options.encode_quality,
    upscaleInterpolation: options.upscale_interpolation,
    downscaleInterpolation: options.downscale_interpolation,
    applyExifOrientation: options.apply_exif_orientation,
    skipReencode: options.skip_reencode,
  };
}

/**
 * The job-wide part of an AssemblyContext, shared by the embedded mode and a fleet's assemblers
 * so both write the same bytes for the same options.
 */
export function assemblyOptionsOf(
  options: DownloadOptions,
): Pick<AssemblyContext, "columns" | "imageExtension" | "hashAlgorithm" | "outputFormat" | "sample"> {
  return {
    columns: shardColumnsOf(options),
    imageExtension: options.encode_format,
    hashAlgorithm: options.compute_hash === "none" ? null : options.compute_hash,
    outputFormat: options.output_format,
    sample: { extractExif: options.extract_exif, disableAllReencoding: options.disable_all_reencoding },
  };
}

export function shardColumnsOf(options: DownloadOptions): ShardColumns {
  return {
    additional: options.save_additional_columns,
    caption: options.caption_col !== null,
    hash: options.compute_hash === "none" ? null : options.compute_hash,
  };
}

/** Longer captions are a broken row, not a caption (rows themselves may reach 8 MiB). */
export const MAX_CAPTION_BYTES = 64 << 10;

export function sampleInputOf(options: DownloadOptions, row: ManifestRow): SampleInput {
  const rowInShard = row.index % options.number_sample_per_shard;
  const caption = options.caption_col === null ? null : row.fields[options.caption_col];
  const extra: Record<string, unknown> = {};
  for (const column of options.save_additional_columns) extra[column] = row.fields[column] ?? null;
  const [hashColumn, hashAlgorithm] = options.verify_hash;
  const rowError =
    row.error ??
    (caption !== null && caption !== undefined && typeof caption !== "string" ? "caption is not a string"
    : typeof caption === "string" && Buffer.byteLength(caption) > MAX_CAPTION_BYTES ? `caption longer than ${MAX_CAPTION_BYTES} bytes`
    : undefined);
  return {
    row: rowInShard,
    url: row.fields[options.url_col],
    caption: typeof caption === "string" && rowError === undefined ? caption : null,
    extra,
    ...(rowError ? { rowError } : {}),
    ...(hashColumn && hashAlgorithm ? { verifyHash: { algorithm: hashAlgorithm, expected: row.fields[hashColumn] ?? null } } : {}),
  };
}

/** The embedded mode: the whole pipeline in this process, stages called directly. */
export async function runDownload(options: DownloadOptions, hooks: DownloadHooks = {}): Promise<DownloadSummary> {
  const started = performance.now();
  const outputDir = options.output_folder;
  if (options.incremental_mode === "overwrite") await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });

  // One image per libvips thread and many images at once beats many threads per image.
  sharp.cache(false);
  sharp.concurrency(1);
  const fetcher = createFetcher(fetcherOptionsOf(options));
  const transformOptions = transformOptionsOf(options);
  const imageWork = createLimiter(options.processes_count);
  const stages: SampleStages = {
    fetch: (url) => fetcher.fetch(url),
    async transform(image) {
      await imageWork.acquire();
      try {
        return await transformImage(image, transformOptions);
      } finally {
        imageWork.release();
      }
    },
  };
  const layout = keyLayout(options.number_sample_per_shard, options.oom_shard_count);
  const context: AssemblyContext = {
    outputDir,
    journalDir: join(outputDir, WORK_DIR, "journal"),
    layout,
    ...assemblyOptionsOf(options),
    stages,
    window: createLimiter(options.thread_count),
  };

  const totals = { shards: 0, skippedShards: 0, count: 0, successes: 0, failedToDownload: 0, failedToResize: 0, downloadedBytes: 0, retries: 0 };
  const openShards = createLimiter(MAX_OPEN_SHARDS);
  const pending: Promise<void>[] = [];
  let inputError: unknown = null;
  try {
    const manifest = await openManifest(options.url_list, { inputFormat: options.input_format });
    for await (const group of shardGroups(manifest.rows, options.number_sample_per_shard)) {
      const name = shardName(layout, group.shardId);
      if (await exists(join(outputDir, `${name}_stats.json`))) {
        for await (const _ of group.rows); // already written: only move past its rows
        totals.skippedShards++;
        hooks.onShardSkipped?.(name);
        continue;
      }
      await openShards.acquire();
      const inputs = mapRows(group.rows, (row) => sampleInputOf(options, row));
      const assembly = assembleShard(context, group.shardId, inputs);
      pending.push(
        assembly.done
          .then((shard) => {
            totals.shards++;
            totals.count += shard.stats.count;
            totals.successes += shard.stats.successes;
            totals.failedToDownload += shard.stats.failed_to_download;
            totals.failedToResize += shard.stats.failed_to_resize;
            totals.downloadedBytes += shard.downloadedBytes;
            totals.retries += shard.retries;
            hooks.onShardWritten?.(shard);
          })
          .finally(() => openShards.release()),
      );
      await assembly.inputConsumed;
    }
  } catch (error) {
    inputError = error;
  }
  // Shards whose input was complete still finish; the one the error cut short keeps its journal.
  const results = await Promise.allSettled(pending);
  await fetcher.close();
  if (inputError) throw inputError;
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return { ...totals, durationSeconds: (performance.now() - started) / 1000 };
}

async function* mapRows<T>(rows: AsyncIterable<ManifestRow>, map: (row: ManifestRow) => T): AsyncGenerator<T> {
  for await (const row of rows) yield map(row);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
