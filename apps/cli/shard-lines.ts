import type { DownloadSummary } from "@laion-dl/pipeline";

interface Counts {
  readonly count: number;
  readonly successes: number;
  readonly failedToDownload: number;
  readonly failedToResize: number;
}

/** img2dataset's progress line, which its users (and the seed recipe) read to judge a run. */
export function formatRate(label: string, counts: Counts, seconds: number): string {
  const ratio = (n: number) => (counts.count === 0 ? "0.000" : (n / counts.count).toFixed(3));
  const perSecond = seconds > 0 ? Math.round(counts.successes / seconds) : 0;
  return (
    `${label} - success: ${ratio(counts.successes)} - failed to download: ${ratio(counts.failedToDownload)}` +
    ` - failed to resize: ${ratio(counts.failedToResize)} - images per sec: ${perSecond} - count: ${counts.count}`
  );
}

export function formatSummary(summary: DownloadSummary): string {
  const megabytes = (summary.downloadedBytes / 1e6).toFixed(1);
  return [
    formatRate("total ", summary, summary.durationSeconds),
    `shards written: ${summary.shards}, skipped (already done): ${summary.skippedShards}, ` +
      `downloaded: ${megabytes} MB, retries: ${summary.retries}, time: ${summary.durationSeconds.toFixed(1)} s`,
  ].join("\n");
}
