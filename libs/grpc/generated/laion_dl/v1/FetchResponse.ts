// Original file: ../../proto/laion_dl/v1/fetch.proto

import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from '../../laion_dl/v1/Failure.ts';
import type { Long } from '@grpc/proto-loader';

export interface FetchResponse {
  /**
   * The `id` of the request this answers.
   */
  'id'?: (number | string | Long);
  /**
   * The response body: the original image bytes, before any decoding.
   */
  'body'?: (Buffer | Uint8Array | string);
  /**
   * Why there is no body (HTTP error, timeout, body too large, disallowed by robots …).
   */
  'failure'?: (_laion_dl_v1_Failure | null);
  /**
   * How many extra attempts the fetcher made before this result (0 = first try).
   */
  'retries'?: (number);
  'result'?: "body"|"failure";
}

export interface FetchResponse__Output {
  /**
   * The `id` of the request this answers.
   */
  'id': (number);
  /**
   * The response body: the original image bytes, before any decoding.
   */
  'body'?: (Buffer);
  /**
   * Why there is no body (HTTP error, timeout, body too large, disallowed by robots …).
   */
  'failure'?: (_laion_dl_v1_Failure__Output | null);
  /**
   * How many extra attempts the fetcher made before this result (0 = first try).
   */
  'retries': (number);
  'result'?: "body"|"failure";
}
