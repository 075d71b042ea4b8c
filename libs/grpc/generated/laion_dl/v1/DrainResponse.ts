// Original file: ../../proto/laion_dl/v1/assembler.proto


export interface DrainResponse {
  /**
   * In-flight shards that finished during the drain.
   */
  'finished_shards'?: (number)[];
  /**
   * In-flight shards handed back to the queue unfinished.
   */
  'handed_back_shards'?: (number)[];
}

export interface DrainResponse__Output {
  /**
   * In-flight shards that finished during the drain.
   */
  'finished_shards': (number)[];
  /**
   * In-flight shards handed back to the queue unfinished.
   */
  'handed_back_shards': (number)[];
}
