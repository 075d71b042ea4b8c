// Original file: ../../proto/laion_dl/v1/ingest.proto


export interface SubmitJobResponse {
  /**
   * Identifies the job in GetJob and in the shared state.
   */
  'job_id'?: (string);
  /**
   * Number of shards (work units) the manifest was split into.
   */
  'shard_count'?: (number);
}

export interface SubmitJobResponse__Output {
  /**
   * Identifies the job in GetJob and in the shared state.
   */
  'job_id': (string);
  /**
   * Number of shards (work units) the manifest was split into.
   */
  'shard_count': (number);
}
