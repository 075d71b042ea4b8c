import { setTimeout as sleep } from "node:timers/promises";
import { connectBus, readNatsAuth } from "@laion-dl/bus";
import type { DownloadOptions } from "@laion-dl/config";
import { followJob, ingestJob, refuseBeyondFleetPolicy, type JobStatus } from "@laion-dl/jobs";
import type { ProgressOutput } from "./download-command.ts";
import { etaOf, startProgress, type ProgressFrame } from "./progress.ts";

/** How often the job's status is taken (its record from NATS, its shards' figures from the follow). */
const POLL_MS = 500;

/**
 * `download --nats URL`: this process reads the manifest into shard units on the fleet's queue
 * (as the ingest service would), then follows the job until every shard is written by the
 * fleet's assemblers, showing its progress as an embedded run does (shard by shard: the fleet
 * records finished shards, not samples). Output lands where the assemblers see `output_folder`.
 * A job beyond a running fetcher's policy is refused first, naming the option and the limit.
 */
export async function fleetDownload(natsUrl: string, options: DownloadOptions, output: ProgressOutput): Promise<JobStatus> {
  const bus = await connectBus({ servers: natsUrl.split(","), name: `laion-dl-cli-${process.pid}`, auth: readNatsAuth() });
  try {
    await refuseBeyondFleetPolicy(bus, options);
    const ingested = await ingestJob(bus, options, { maxOutstanding: 64 });
    console.log(`job ${ingested.jobId}: ${ingested.shardsTotal} shards, ${ingested.shardsPublished} queued for the fleet`);
    const started = performance.now();
    const progress = await followJob(bus, ingested.jobId);
    const first = await progress.status();
    let status = first;
    const display = startProgress(() => jobFrame(status, first?.shardsDone ?? 0, started), { ...output, stream: process.stdout });
    try {
      for (;;) {
        if (!status) throw new Error(`job ${ingested.jobId} disappeared from NATS`);
        if (status.state === "done" || status.state === "failed") break;
        await sleep(POLL_MS);
        status = await progress.status();
      }
    } finally {
      progress.stop();
      display.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `job ${status.jobId} - shards done: ${status.shardsDone}/${status.shardsTotal ?? "?"} - samples: ${status.samplesDone}` +
        ` - success: ${status.samplesDone ? (status.successes / status.samplesDone).toFixed(3) : "0.000"}` +
        ` - images per sec: ${Math.round(status.successes / Math.max(seconds, 1e-3))}`,
    );
    return status;
  } finally {
    await bus.close();
  }
}

function jobFrame(status: JobStatus | null, shardsAtStart: number, started: number): ProgressFrame {
  const shardsDone = status?.shardsDone ?? 0;
  const total = status?.shardsTotal ?? null;
  const samples = status?.samplesDone ?? 0;
  const successes = status?.successes ?? 0;
  const seconds = (performance.now() - started) / 1000;
  return {
    label: "shards",
    done: shardsDone,
    total,
    etaSeconds: etaOf(shardsDone - shardsAtStart, total === null ? null : total - shardsDone, started),
    fields: [
      ["job", status?.jobId ?? "?"],
      ["samples", String(samples)],
      ["success", samples ? (successes / samples).toFixed(3) : "-"],
      ["images per sec", seconds > 0 ? String(Math.round(successes / seconds)) : "0"],
    ],
  };
}
