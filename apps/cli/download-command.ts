import { Command, Option } from "commander";
import { describeOption, DOWNLOAD_OPTION_SPECS, IGNORED_OPTIONS, parseDownloadOptions, type DownloadOptions } from "@laion-dl/config";
import { checkManifest, type RequiredColumn } from "@laion-dl/manifest";
import { DownloadInterrupted, runDownload, type DownloadSummary } from "@laion-dl/pipeline";
import { startProgress } from "./progress.ts";
import type { Metrics } from "@laion-dl/telemetry";
import { metricsLingerOption, metricsPortOption, withMetrics } from "./metrics-option.ts";
import { formatRate, formatSummary } from "./shard-lines.ts";
import { createRunProgress } from "./run-progress.ts";

/** Registers img2dataset's option names (snake_case, Python Fire style values) on a command. */
export function addDownloadOptions(command: Command): Command {
  for (const spec of DOWNLOAD_OPTION_SPECS) {
    // Booleans take an optional value so both `--flag` and Fire's `--flag True` work.
    const flag = spec.kind === "bool" ? `--${spec.name} [value]` : `--${spec.name} <value>`;
    const option = new Option(flag, describeOption(spec));
    if (spec.default !== undefined) option.default(spec.default, formatDefault(spec.default));
    command.addOption(option);
  }
  for (const [name, reason] of Object.entries(IGNORED_OPTIONS)) {
    command.addOption(new Option(`--${name} [value]`, `accepted for img2dataset compatibility; ignored: ${reason}`).hideHelp());
  }
  return command;
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(",")}]`;
  return String(value);
}

/** Parses the command's option values, warning about accepted-but-ignored img2dataset options. */
export function downloadOptionsFrom(values: Record<string, unknown>, warn: (line: string) => void): DownloadOptions {
  for (const [name, reason] of Object.entries(IGNORED_OPTIONS)) {
    if (values[name] !== undefined) warn(`warning: --${name} is ignored: ${reason}`);
  }
  return parseDownloadOptions(values);
}

/** Where a command's progress goes: a live display on a terminal, else a line every `intervalSeconds`. */
export interface ProgressOutput {
  readonly live: boolean;
  readonly intervalSeconds: number;
}

/** Progress to stdout: live when stdout is a terminal. */
export function stdoutProgress(intervalSeconds: number): ProgressOutput {
  return { live: process.stdout.isTTY === true, intervalSeconds };
}

export async function download(options: DownloadOptions, output: ProgressOutput, signal?: AbortSignal, metrics?: Metrics): Promise<DownloadSummary> {
  const manifest = await checkManifest(options.url_list, checkOptionsOf(options));
  const manifestBytes = manifest.compressed ? null : (await manifest.bytes.describe()).size;
  const progress = createRunProgress(options.number_sample_per_shard, manifestBytes);
  const display = startProgress(progress.frame, { ...output, stream: process.stdout });
  const warn = output.live ? display.log : (line: string) => console.error(line);
  let firstShardId: number | null = null; // the first shard this run writes, in manifest order
  let summary: DownloadSummary;
  try {
    summary = await runDownload(
      options,
      {
        onRowRead(row) {
          firstShardId ??= Math.floor(row.index / options.number_sample_per_shard);
          progress.onRowRead(row);
        },
        onSample: metrics
          ? (sample) => {
              progress.onSample(sample);
              metrics.sampleDone(sample.record.status, sample.record.errorMessage);
            }
          : progress.onSample,
        onShardWritten(shard) {
          metrics?.shardWritten(shard.tar.bytes + shard.parquet.bytes);
          progress.shardDone();
          if (Number(shard.name) === firstShardId) {
            const warning = sameFailureWarning(shard.name, shard.stats);
            if (warning) warn(warning);
          }
          const counts = {
            count: shard.stats.count,
            successes: shard.stats.successes,
            failedToDownload: shard.stats.failed_to_download,
            failedToResize: shard.stats.failed_to_resize,
          };
          display.log(formatRate(`shard ${shard.name}`, counts, shard.stats.duration));
        },
        onShardSkipped(name) {
          progress.shardDone();
          display.log(`shard ${name} - already written and verified, skipped`);
        },
        onShardRedone(name, reason) {
          display.log(`shard ${name} - ${reason}; writing it again`);
        },
        ...(metrics ? { metrics } : {}),
      },
      signal,
    );
    progress.finish();
  } finally {
    display.stop();
  }
  console.log(formatSummary(summary));
  return summary;
}

/**
 * When every row of a shard failed with one message (a wrong column, URLs that all resolve to a
 * private network, a dead host), the whole run will likely do the same: say so after the first shard.
 */
export function sameFailureWarning(name: string, stats: { count: number; successes: number; status_dict: Record<string, number> }): string | undefined {
  const messages = Object.keys(stats.status_dict);
  if (stats.count === 0 || stats.successes > 0 || messages.length !== 1) return undefined;
  return `laion-dl: warning: all ${stats.count} rows of shard ${name} failed with "${messages[0]}"; the rest of the run may fail the same way`;
}

/** What checkManifest needs: the columns a run reads from every row (with the option naming each), and how to open it. */
function checkOptionsOf(options: DownloadOptions): Parameters<typeof checkManifest>[1] {
  const columns: RequiredColumn[] = [
    { name: options.url_col, option: "--url_col" },
    ...(options.caption_col === null ? [] : [{ name: options.caption_col, option: "--caption_col" }]),
    ...options.save_additional_columns.map((name) => ({ name, option: "--save_additional_columns" })),
  ];
  return { inputFormat: options.input_format, allowPrivateNetwork: options.allow_private_network, columns };
}

export function progressIntervalOf(value: unknown): number {
  const seconds = Number(value);
  if (!(seconds > 0)) throw new RangeError(`Expected a positive number of seconds for --progress_interval but received "${String(value)}"`);
  return seconds;
}

export function downloadCommand(): Command {
  return addDownloadOptions(new Command("download"))
    .description("download a {caption, url} manifest into img2dataset-compatible webdataset shards")
    .addOption(new Option("--nats <url>", "run the job on a fleet (ingest here, assemblers elsewhere) instead of in this process"))
    .addOption(new Option("--progress_interval <seconds>", "seconds between progress lines when stdout is not a terminal").default("30"))
    .addOption(metricsPortOption())
    .addOption(metricsLingerOption())
    .action(async ({ nats, progress_interval, metrics_port, metrics_linger, ...values }: Record<string, unknown>) => {
      const options = downloadOptionsFrom(values, (line) => console.error(line));
      const output = stdoutProgress(progressIntervalOf(progress_interval));
      if (typeof nats !== "string") {
        await withMetrics({ metrics_port, metrics_linger }, (metrics) => untilInterrupted((signal) => download(options, output, signal, metrics)));
        return;
      }
      await checkManifest(options.url_list, checkOptionsOf(options));
      // Loaded only here: an embedded download needs neither the NATS client nor the fleet's code.
      const { fleetDownload } = await import("./fleet-download.ts");
      // The fleet's services count the samples; this process's metrics are its own (CPU, memory).
      const status = await withMetrics({ metrics_port, metrics_linger }, () => fleetDownload(nats, options, output));
      if (status.state === "failed") throw new Error(`job ${status.jobId} failed: ${status.error}`);
    });
}

/**
 * Runs `work` with a signal that SIGINT/SIGTERM abort: it stops taking rows and journals what is
 * in flight, then this exits 130 with the line telling how to resume. A second signal quits at
 * once (journals stay consistent: a torn last record is dropped on resume).
 */
export async function untilInterrupted(work: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    console.error("laion-dl: stopping after the samples in flight (interrupt again to quit at once)");
    stop.abort();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  try {
    await work(stop.signal);
  } catch (error) {
    if (!(error instanceof DownloadInterrupted)) throw error;
    console.error(`laion-dl: ${error.message}`);
    process.exitCode = 130;
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}
