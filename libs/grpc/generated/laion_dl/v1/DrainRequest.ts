// Original file: ../../proto/laion_dl/v1/assembler.proto


export interface DrainRequest {
  /**
   * How long in-flight shards may keep running to finish before they are handed back.
   * Absent or 0: hand them back at once.
   */
  'grace_seconds'?: (number | string);
  '_grace_seconds'?: "grace_seconds";
}

export interface DrainRequest__Output {
  /**
   * How long in-flight shards may keep running to finish before they are handed back.
   * Absent or 0: hand them back at once.
   */
  'grace_seconds'?: (number);
  '_grace_seconds'?: "grace_seconds";
}
