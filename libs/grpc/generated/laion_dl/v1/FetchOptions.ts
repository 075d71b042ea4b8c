// Original file: ../../proto/laion_dl/v1/fetch.proto

import type { Long } from '@grpc/proto-loader';

/**
 * img2dataset's HTTP options, with img2dataset's names and meanings; a job's values, all of them
 * set (the assembler sends every field).
 */
export interface FetchOptions {
  /**
   * Seconds allowed for one download attempt, headers, redirects and body.
   */
  'timeout'?: (number | string);
  /**
   * Extra attempts after a retryable failure.
   */
  'retries'?: (number);
  /**
   * Bodies larger than this fail with "response too large".
   */
  'max_response_bytes'?: (number | string | Long);
  /**
   * Redirects followed at most.
   */
  'max_redirects'?: (number);
  /**
   * Token added to the User-Agent and matched in X-Robots-Tag. Absent: none.
   */
  'user_agent_token'?: (string);
  /**
   * X-Robots-Tag directives that forbid use of an image (empty: none forbids).
   */
  'disallowed_header_directives'?: (string)[];
  /**
   * Allow URLs on private/loopback addresses.
   */
  'allow_private_network'?: (boolean);
  /**
   * Accept invalid TLS certificates.
   */
  'ignore_ssl_certificate'?: (boolean);
  '_user_agent_token'?: "user_agent_token";
}

/**
 * img2dataset's HTTP options, with img2dataset's names and meanings; a job's values, all of them
 * set (the assembler sends every field).
 */
export interface FetchOptions__Output {
  /**
   * Seconds allowed for one download attempt, headers, redirects and body.
   */
  'timeout': (number);
  /**
   * Extra attempts after a retryable failure.
   */
  'retries': (number);
  /**
   * Bodies larger than this fail with "response too large".
   */
  'max_response_bytes': (number);
  /**
   * Redirects followed at most.
   */
  'max_redirects': (number);
  /**
   * Token added to the User-Agent and matched in X-Robots-Tag. Absent: none.
   */
  'user_agent_token'?: (string);
  /**
   * X-Robots-Tag directives that forbid use of an image (empty: none forbids).
   */
  'disallowed_header_directives': (string)[];
  /**
   * Allow URLs on private/loopback addresses.
   */
  'allow_private_network': (boolean);
  /**
   * Accept invalid TLS certificates.
   */
  'ignore_ssl_certificate': (boolean);
  '_user_agent_token'?: "user_agent_token";
}
