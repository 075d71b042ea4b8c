import type { ManifestRow } from "@laion-dl/manifest";
import type { SampleOutcome } from "@laion-dl/pipeline";
import { etaOf, formatBytes, type ProgressFrame } from "./progress.ts";

/** Failure kinds named on the display; the rest are summed as "N more". */
const FAILURE_KINDS_SHOWN = 3;

/**
 * Counts an embedded run for its progress display. The manifest's size and the byte offset of the
 * last row read give the share read so far, so the total is estimated even for a JSON array;
 * `manifestBytes` is null when the offsets do not count file bytes (gzip).
 */
export function createRunProgress(samplesPerShard: number, manifestBytes: number | null) {
  const started = performance.now();
  let firstIndex: number | null = null;
  let last: { index: number; end: number } | null = null;
  let finished = false;
  let samples = 0;
  let successes = 0;
  let downloadedBytes = 0;
  let shardsDone = 0;
  const failures = new Map<string, number>();

  function total(): number | null {
    if (last === null) return null;
    if (finished) return last.index + 1;
    if (manifestBytes === null || last.end === 0) return null;
    return Math.max(last.index + 1, Math.round(((last.index + 1) * manifestBytes) / last.end));
  }

  return {
    onRowRead(row: ManifestRow): void {
      firstIndex ??= row.index;
      last = { index: row.index, end: row.end };
    },
    onSample({ record, downloadedBytes: bytes }: SampleOutcome): void {
      samples++;
      downloadedBytes += bytes;
      if (record.status === "success") successes++;
      else failures.set(record.errorMessage ?? record.status, (failures.get(record.errorMessage ?? record.status) ?? 0) + 1);
    },
    shardDone(): void {
      shardsDone++;
    },
    /** Every row is read and has its outcome: the total is exact from now on. */
    finish(): void {
      finished = true;
    },
    frame(): ProgressFrame {
      const rows = total();
      const done = (firstIndex ?? 0) + samples;
      const seconds = (performance.now() - started) / 1000;
      return {
        label: "rows",
        done,
        total: rows,
        etaSeconds: etaOf(samples, rows === null ? null : Math.max(0, rows - done), started),
        fields: [
          ["images per sec", seconds > 0 ? String(Math.round(successes / seconds)) : "0"],
          ["success", samples ? (successes / samples).toFixed(3) : "-"],
          ["failures", describeFailures(failures)],
          ["shards done", `${shardsDone}/${rows === null ? "?" : Math.ceil(rows / samplesPerShard)}`],
          ["downloaded", formatBytes(downloadedBytes)],
        ],
      };
    },
  };
}

function describeFailures(failures: ReadonlyMap<string, number>): string {
  if (failures.size === 0) return "none";
  const kinds = [...failures].sort((a, b) => b[1] - a[1]);
  const shown = kinds.slice(0, FAILURE_KINDS_SHOWN).map(([message, count]) => `${message} ${count}`);
  const more = kinds.length - FAILURE_KINDS_SHOWN;
  return more > 0 ? `${shown.join(", ")}, ${more} more kinds` : shown.join(", ");
}
