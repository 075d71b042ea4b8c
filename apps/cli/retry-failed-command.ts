import { resolve } from "node:path";
import { Command } from "commander";
import { retryFailed } from "@laion-dl/pipeline";
import { untilInterrupted } from "./download-command.ts";
import { formatRate } from "./shard-lines.ts";

export function retryFailedCommand(): Command {
  return new Command("retry-failed")
    .description("download again the failed samples of an output folder's finished shards, rewriting those shards in place")
    .argument("<output_folder>", "a folder written by `laion-dl download`")
    .action(async (folder: string) => {
      await untilInterrupted(async (signal) => {
        const summary = await retryFailed(
          resolve(folder),
          {
            onShardRetried(shard, failedBefore) {
              const counts = {
                count: shard.stats.count,
                successes: shard.stats.successes,
                failedToDownload: shard.stats.failed_to_download,
                failedToResize: shard.stats.failed_to_resize,
              };
              const recovered = failedBefore - counts.failedToDownload - counts.failedToResize;
              console.log(`${formatRate(`shard ${shard.name}`, counts, shard.stats.duration)} - recovered: ${recovered} of ${failedBefore}`);
            },
            onShardRefused(name, reason) {
              console.log(`shard ${name} - ${reason}; not retried (run download again to redo it)`);
            },
          },
          signal,
        );
        console.log(`shards rewritten: ${summary.shards}, samples retried: ${summary.retried}, recovered: ${summary.recovered}`);
      });
    });
}
