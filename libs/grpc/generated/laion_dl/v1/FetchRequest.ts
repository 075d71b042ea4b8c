// Original file: ../../proto/laion_dl/v1/fetch.proto

import type { FetchOptions as _laion_dl_v1_FetchOptions, FetchOptions__Output as _laion_dl_v1_FetchOptions__Output } from '../../laion_dl/v1/FetchOptions.ts';
import type { Long } from '@grpc/proto-loader';

export interface FetchRequest {
  /**
   * Chosen by the caller, unique among its in-flight requests on this stream; echoed in the
   * response. The assembler uses the sample key (shard * N + row).
   */
  'id'?: (number | string | Long);
  /**
   * The manifest row's URL, exactly as written in the manifest.
   */
  'url'?: (string);
  /**
   * The job's HTTP options. Required: a fetcher holds no per-job state.
   */
  'options'?: (_laion_dl_v1_FetchOptions | null);
}

export interface FetchRequest__Output {
  /**
   * Chosen by the caller, unique among its in-flight requests on this stream; echoed in the
   * response. The assembler uses the sample key (shard * N + row).
   */
  'id': (number);
  /**
   * The manifest row's URL, exactly as written in the manifest.
   */
  'url': (string);
  /**
   * The job's HTTP options. Required: a fetcher holds no per-job state.
   */
  'options': (_laion_dl_v1_FetchOptions__Output | null);
}
