import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readTarSamples, type ShardStats } from "@laion-dl/shard";
import { createRandom } from "@laion-dl/testing";

/** A histogram over fixed bin edges: counts[i] holds values in [edges[i], edges[i+1]). */
export interface Histogram {
  readonly edges: readonly number[];
  readonly counts: number[];
}

export interface ShardSummary {
  readonly name: string;
  readonly stats: ShardStats;
  readonly tarBytes: number | null;
}

export interface ContactSample {
  readonly key: string;
  readonly caption: string | null;
  readonly mime: string;
  readonly image: Buffer;
  readonly width: number | null;
  readonly height: number | null;
}

/** What `report` shows, gathered in one pass over the shards (memory: the histograms and the sample). */
export interface DatasetReport {
  readonly folder: string;
  readonly shards: ShardSummary[];
  readonly totals: { count: number; successes: number; failedToDownload: number; failedToResize: number };
  readonly failures: Array<[message: string, count: number]>;
  readonly width: Histogram;
  readonly height: Histogram;
  readonly aspect: Histogram;
  readonly imageBytes: Histogram;
  readonly imageBytesTotal: number;
  readonly sample: ContactSample[];
  readonly seed: number;
}

const SIDE_EDGES = [0, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192];
const ASPECT_EDGES = [0, 0.25, 0.5, 0.67, 0.8, 0.95, 1.05, 1.25, 1.5, 2, 3, 4];
const BYTE_EDGES = [0, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
const IMAGE_TYPES: Readonly<Record<string, string>> = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" };

/**
 * Reads an output folder: every `_stats.json` (totals, failures by error_message, per-shard rows),
 * then each webdataset tar once, sample by sample: originals' sizes into histograms, image sizes
 * into bytes per sample, and a seeded reservoir sample of `sampleSize` images for the contact sheet.
 */
export async function readDatasetReport(folder: string, options: { sampleSize: number; seed: number }): Promise<DatasetReport> {
  const names = (await readdir(folder))
    .filter((name) => name.endsWith("_stats.json"))
    .map((name) => name.slice(0, -"_stats.json".length))
    .sort();
  if (names.length === 0) throw new Error(`${folder} holds no shard (no *_stats.json)`);
  const shards: ShardSummary[] = [];
  const totals = { count: 0, successes: 0, failedToDownload: 0, failedToResize: 0 };
  const failures = new Map<string, number>();
  const histogram = (edges: readonly number[]): Histogram => ({ edges, counts: new Array<number>(edges.length).fill(0) });
  const width = histogram(SIDE_EDGES);
  const height = histogram(SIDE_EDGES);
  const aspect = histogram(ASPECT_EDGES);
  const imageBytes = histogram(BYTE_EDGES);
  let imageBytesTotal = 0;
  const random = createRandom(options.seed);
  const sample: ContactSample[] = [];
  let seen = 0;

  for (const name of names) {
    const stats = JSON.parse(await readFile(join(folder, `${name}_stats.json`), "utf8")) as ShardStats;
    const tarPath = join(folder, `${name}.tar`);
    const tarBytes = await stat(tarPath).then(
      (info) => info.size,
      () => null,
    );
    shards.push({ name, stats, tarBytes });
    totals.count += stats.count;
    totals.successes += stats.successes;
    totals.failedToDownload += stats.failed_to_download;
    totals.failedToResize += stats.failed_to_resize;
    for (const [message, count] of Object.entries(stats.status_dict)) {
      if (message !== "success") failures.set(message, (failures.get(message) ?? 0) + count);
    }
    if (tarBytes === null) continue;
    for await (const { key, members } of readTarSamples(tarPath)) {
      const [extension, image] = [...members].find(([ext]) => ext in IMAGE_TYPES) ?? [];
      if (!extension || !image) continue;
      const meta = JSON.parse(members.get("json")?.toString() ?? "{}") as Record<string, unknown>;
      const originalWidth = typeof meta["original_width"] === "number" ? meta["original_width"] : null;
      const originalHeight = typeof meta["original_height"] === "number" ? meta["original_height"] : null;
      if (originalWidth !== null) add(width, originalWidth);
      if (originalHeight !== null) add(height, originalHeight);
      if (originalWidth && originalHeight) add(aspect, originalWidth / originalHeight);
      add(imageBytes, image.length);
      imageBytesTotal += image.length;
      // Reservoir sampling: every image has the same chance, whatever the dataset's size.
      const slot = seen < options.sampleSize ? seen : Math.floor(random() * (seen + 1));
      seen++;
      if (slot < options.sampleSize) {
        sample[slot] = {
          key,
          caption: members.get("txt")?.toString() ?? null,
          mime: IMAGE_TYPES[extension]!,
          image,
          width: typeof meta["width"] === "number" ? meta["width"] : null,
          height: typeof meta["height"] === "number" ? meta["height"] : null,
        };
      }
    }
  }
  sample.sort((a, b) => (a.key < b.key ? -1 : 1));
  const failureList = [...failures].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { folder, shards, totals, failures: failureList, width, height, aspect, imageBytes, imageBytesTotal, sample, seed: options.seed };
}

function add(histogram: Histogram, value: number): void {
  let bin = histogram.edges.length - 1;
  while (bin > 0 && value < histogram.edges[bin]!) bin--;
  histogram.counts[bin]!++;
}
