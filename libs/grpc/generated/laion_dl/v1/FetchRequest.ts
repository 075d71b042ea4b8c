// Original file: ../../proto/laion_dl/v1/fetch.proto

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
}
