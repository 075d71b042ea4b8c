// Original file: ../../proto/laion_dl/v1/transform.proto

import type { TransformOptions as _laion_dl_v1_TransformOptions, TransformOptions__Output as _laion_dl_v1_TransformOptions__Output } from '../../laion_dl/v1/TransformOptions.ts';
import type { Long } from '@grpc/proto-loader';

export interface TransformRequest {
  /**
   * Chosen by the caller, unique among its in-flight requests on this stream; echoed back.
   */
  'id'?: (number | string | Long);
  /**
   * The original image bytes as fetched (FetchResponse.body).
   */
  'image'?: (Buffer | Uint8Array | string);
  /**
   * How to transform it. Sent with every request so a transformer holds no per-job state.
   */
  'options'?: (_laion_dl_v1_TransformOptions | null);
}

export interface TransformRequest__Output {
  /**
   * Chosen by the caller, unique among its in-flight requests on this stream; echoed back.
   */
  'id': (number);
  /**
   * The original image bytes as fetched (FetchResponse.body).
   */
  'image': (Buffer);
  /**
   * How to transform it. Sent with every request so a transformer holds no per-job state.
   */
  'options': (_laion_dl_v1_TransformOptions__Output | null);
}
