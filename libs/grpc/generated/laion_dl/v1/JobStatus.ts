// Original file: ../../proto/laion_dl/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface JobStatus {
  'job_id'?: (string);
  /**
   * Lower-case job state: "ingesting" (manifest being read), "running" (shards being processed),
   * "done" (every shard written) or "failed" (the manifest was rejected, or a shard was parked).
   */
  'state'?: (string);
  /**
   * Shards the job has, and shards written and recorded as done.
   */
  'shards_total'?: (number);
  'shards_done'?: (number);
  /**
   * Rows accounted for in finished shards (successes + failed_to_download + failed_to_resize).
   */
  'samples_done'?: (number | string | Long);
  /**
   * Rows of finished shards written as successful samples.
   */
  'successes'?: (number | string | Long);
  /**
   * Why the job failed: the manifest's error (with its byte offset), or the first parked shard
   * ("shard 3 parked after 5 deliveries: …": it failed on every delivery and was taken off the
   * queue so that other jobs keep flowing). Empty unless state is "failed".
   */
  'error'?: (string);
}

export interface JobStatus__Output {
  'job_id': (string);
  /**
   * Lower-case job state: "ingesting" (manifest being read), "running" (shards being processed),
   * "done" (every shard written) or "failed" (the manifest was rejected, or a shard was parked).
   */
  'state': (string);
  /**
   * Shards the job has, and shards written and recorded as done.
   */
  'shards_total': (number);
  'shards_done': (number);
  /**
   * Rows accounted for in finished shards (successes + failed_to_download + failed_to_resize).
   */
  'samples_done': (number);
  /**
   * Rows of finished shards written as successful samples.
   */
  'successes': (number);
  /**
   * Why the job failed: the manifest's error (with its byte offset), or the first parked shard
   * ("shard 3 parked after 5 deliveries: …": it failed on every delivery and was taken off the
   * queue so that other jobs keep flowing). Empty unless state is "failed".
   */
  'error': (string);
}
