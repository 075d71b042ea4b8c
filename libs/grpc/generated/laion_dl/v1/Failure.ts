// Original file: ../../proto/laion_dl/v1/common.proto


/**
 * Why one row could not be served. Travels inside a stream response (FetchResponse,
 * TransformResponse), never as a gRPC status: a bad row never fails the call that carries it.
 */
export interface Failure {
  /**
   * The sample's error_message, short, stable and greppable: "HTTP Error 404: Not Found",
   * "timeout", "Image decoding error". Written as-is to the shard's parquet and stats.
   */
  'message'?: (string);
  /**
   * True when another attempt may succeed (network error, 5xx, 429, replica shutting down): the
   * assembler may send the same request again, to any replica.
   */
  'retryable'?: (boolean);
  /**
   * Seconds the origin asked us to wait before retrying (HTTP Retry-After). Absent when it did
   * not say; present and 0 when it said "retry now".
   */
  'retry_after_seconds'?: (number | string);
  '_retry_after_seconds'?: "retry_after_seconds";
}

/**
 * Why one row could not be served. Travels inside a stream response (FetchResponse,
 * TransformResponse), never as a gRPC status: a bad row never fails the call that carries it.
 */
export interface Failure__Output {
  /**
   * The sample's error_message, short, stable and greppable: "HTTP Error 404: Not Found",
   * "timeout", "Image decoding error". Written as-is to the shard's parquet and stats.
   */
  'message': (string);
  /**
   * True when another attempt may succeed (network error, 5xx, 429, replica shutting down): the
   * assembler may send the same request again, to any replica.
   */
  'retryable': (boolean);
  /**
   * Seconds the origin asked us to wait before retrying (HTTP Retry-After). Absent when it did
   * not say; present and 0 when it said "retry now".
   */
  'retry_after_seconds'?: (number);
  '_retry_after_seconds'?: "retry_after_seconds";
}
