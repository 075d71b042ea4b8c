// Original file: ../../proto/laion_dl/v1/transform.proto

import type { TransformOptions as _laion_dl_v1_TransformOptions, TransformOptions__Output as _laion_dl_v1_TransformOptions__Output } from '../../laion_dl/v1/TransformOptions.ts';
import type { FetchOptions as _laion_dl_v1_FetchOptions, FetchOptions__Output as _laion_dl_v1_FetchOptions__Output } from '../../laion_dl/v1/FetchOptions.ts';
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
  /**
   * The manifest row's URL, exactly as written. The transformer has one of its fetchers
   * download it and answers with `download` too: the original then crosses one hop
   * (fetcher → transformer) instead of two (fetcher → assembler → transformer).
   */
  'url'?: (string);
  /**
   * With `url`: the digests of the downloaded bytes to return ("md5", "sha256", "sha512"), for
   * the hash column and verify_hash.
   */
  'digest_algorithms'?: (string)[];
  /**
   * With `url`: the job's HTTP options, passed on to the fetcher that downloads it.
   */
  'fetch_options'?: (_laion_dl_v1_FetchOptions | null);
  /**
   * The image, one way or the other.
   */
  'source'?: "image"|"url";
}

export interface TransformRequest__Output {
  /**
   * Chosen by the caller, unique among its in-flight requests on this stream; echoed back.
   */
  'id': (number);
  /**
   * The original image bytes as fetched (FetchResponse.body).
   */
  'image'?: (Buffer);
  /**
   * How to transform it. Sent with every request so a transformer holds no per-job state.
   */
  'options': (_laion_dl_v1_TransformOptions__Output | null);
  /**
   * The manifest row's URL, exactly as written. The transformer has one of its fetchers
   * download it and answers with `download` too: the original then crosses one hop
   * (fetcher → transformer) instead of two (fetcher → assembler → transformer).
   */
  'url'?: (string);
  /**
   * With `url`: the digests of the downloaded bytes to return ("md5", "sha256", "sha512"), for
   * the hash column and verify_hash.
   */
  'digest_algorithms': (string)[];
  /**
   * With `url`: the job's HTTP options, passed on to the fetcher that downloads it.
   */
  'fetch_options': (_laion_dl_v1_FetchOptions__Output | null);
  /**
   * The image, one way or the other.
   */
  'source'?: "image"|"url";
}
