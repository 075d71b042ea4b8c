// Original file: ../../proto/laion_dl/v1/ingest.proto

import type { Long } from '@grpc/proto-loader';

export interface JobStatus {
  'job_id'?: (string);
  /**
   * Lower-case job state: "ingesting" (manifest being read), "running" (shards being processed),
   * "done" (every shard written) or "failed" (the manifest was rejected).
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
}

export interface JobStatus__Output {
  'job_id': (string);
  /**
   * Lower-case job state: "ingesting" (manifest being read), "running" (shards being processed),
   * "done" (every shard written) or "failed" (the manifest was rejected).
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
}
