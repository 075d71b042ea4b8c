// Original file: ../../proto/laion_dl/v1/assembler.proto


export interface ShardProgress {
  /**
   * The job the shard belongs to.
   */
  'job_id'?: (string);
  /**
   * Shard number: the shard holds manifest rows shard_id*N … shard_id*N+N-1.
   */
  'shard_id'?: (number);
  /**
   * Rows accounted for (success or failure), including those recovered from the journal.
   */
  'rows_done'?: (number);
  /**
   * Rows in the shard (N, fewer for the last shard).
   */
  'rows_total'?: (number);
}

export interface ShardProgress__Output {
  /**
   * The job the shard belongs to.
   */
  'job_id': (string);
  /**
   * Shard number: the shard holds manifest rows shard_id*N … shard_id*N+N-1.
   */
  'shard_id': (number);
  /**
   * Rows accounted for (success or failure), including those recovered from the journal.
   */
  'rows_done': (number);
  /**
   * Rows in the shard (N, fewer for the last shard).
   */
  'rows_total': (number);
}
