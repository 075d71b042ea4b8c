import type { SampleRecord } from "./sample.ts";

/** `SSSSS_stats.json`, img2dataset's fields; only the three time fields vary between runs. */
export interface ShardStats {
  count: number;
  successes: number;
  failed_to_download: number;
  failed_to_resize: number;
  duration: number;
  start_time: number;
  end_time: number;
  /** Outcome message → count, "success" included, in order of first appearance by key. */
  status_dict: Record<string, number>;
  /**
   * Extra download attempts the shard's samples took. Ours, not img2dataset's; like the time
   * fields it depends on the network, not on the inputs, so two runs may differ here too.
   */
  retried: number;
}

export function createStatsCounter() {
  const stats = { count: 0, successes: 0, failed_to_download: 0, failed_to_resize: 0 };
  const statusDict: Record<string, number> = {};
  let retried = 0;
  return {
    add(record: SampleRecord): void {
      stats.count++;
      retried += record.retries ?? 0;
      if (record.status === "success") stats.successes++;
      else stats[record.status]++;
      const message = record.status === "success" ? "success" : (record.errorMessage ?? record.status);
      statusDict[message] = (statusDict[message] ?? 0) + 1;
    },
    finish(startTime: number, endTime: number): ShardStats {
      return {
        ...stats,
        duration: endTime - startTime,
        start_time: startTime,
        end_time: endTime,
        status_dict: statusDict,
        retried,
      };
    },
  };
}
