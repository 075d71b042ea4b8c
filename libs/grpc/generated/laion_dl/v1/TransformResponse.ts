// Original file: ../../proto/laion_dl/v1/transform.proto

import type { EncodedImage as _laion_dl_v1_EncodedImage, EncodedImage__Output as _laion_dl_v1_EncodedImage__Output } from '../../laion_dl/v1/EncodedImage.ts';
import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from '../../laion_dl/v1/Failure.ts';
import type { DownloadOutcome as _laion_dl_v1_DownloadOutcome, DownloadOutcome__Output as _laion_dl_v1_DownloadOutcome__Output } from '../../laion_dl/v1/DownloadOutcome.ts';
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
  /**
   * Set in the answer to a `url` request: how its download went. When the download failed,
   * `download.failure` says why (the row becomes failed_to_download) and `result` is unset.
   * Absent with a `failure` when no fetcher answered: not the row's result, ask again later.
   */
  'download'?: (_laion_dl_v1_DownloadOutcome | null);
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
  /**
   * Set in the answer to a `url` request: how its download went. When the download failed,
   * `download.failure` says why (the row becomes failed_to_download) and `result` is unset.
   * Absent with a `failure` when no fetcher answered: not the row's result, ask again later.
   */
  'download': (_laion_dl_v1_DownloadOutcome__Output | null);
  'result'?: "image"|"failure";
}
