// Original file: ../../proto/laion_dl/v1/transform.proto

import type { EncodedImage as _laion_dl_v1_EncodedImage, EncodedImage__Output as _laion_dl_v1_EncodedImage__Output } from '../../laion_dl/v1/EncodedImage.ts';
import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from '../../laion_dl/v1/Failure.ts';
import type { Long } from '@grpc/proto-loader';

export interface TransformResponse {
  /**
   * The `id` of the request this answers.
   */
  'id'?: (number | string | Long);
  /**
   * The transformed image.
   */
  'image'?: (_laion_dl_v1_EncodedImage | null);
  /**
   * Why the image was refused ("Image decoding error", "image too small" …): the row becomes
   * failed_to_resize.
   */
  'failure'?: (_laion_dl_v1_Failure | null);
  'result'?: "image"|"failure";
}

export interface TransformResponse__Output {
  /**
   * The `id` of the request this answers.
   */
  'id': (number);
  /**
   * The transformed image.
   */
  'image'?: (_laion_dl_v1_EncodedImage__Output | null);
  /**
   * Why the image was refused ("Image decoding error", "image too small" …): the row becomes
   * failed_to_resize.
   */
  'failure'?: (_laion_dl_v1_Failure__Output | null);
  'result'?: "image"|"failure";
}
