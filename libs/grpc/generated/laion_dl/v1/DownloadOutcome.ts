// Original file: ../../proto/laion_dl/v1/transform.proto

import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from '../../laion_dl/v1/Failure.ts';
import type { Long } from '@grpc/proto-loader';

export interface DownloadOutcome {
  /**
   * Size of the downloaded body after content decoding, in bytes.
   */
  'bytes'?: (number | string | Long);
  /**
   * How many extra attempts the fetcher made (0 = first try).
   */
  'retries'?: (number);
  /**
   * Hex digest of the body for each algorithm of TransformRequest.digest_algorithms.
   */
  'digests'?: ({[key: string]: string});
  /**
   * Why there is no body, as the fetcher answered it (FetchResponse.failure).
   */
  'failure'?: (_laion_dl_v1_Failure | null);
}

export interface DownloadOutcome__Output {
  /**
   * Size of the downloaded body after content decoding, in bytes.
   */
  'bytes': (number);
  /**
   * How many extra attempts the fetcher made (0 = first try).
   */
  'retries': (number);
  /**
   * Hex digest of the body for each algorithm of TransformRequest.digest_algorithms.
   */
  'digests': ({[key: string]: string});
  /**
   * Why there is no body, as the fetcher answered it (FetchResponse.failure).
   */
  'failure': (_laion_dl_v1_Failure__Output | null);
}
