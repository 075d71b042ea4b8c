// Original file: ../../proto/laion_dl/v1/ingest.proto


export interface GetJobRequest {
  /**
   * As returned by SubmitJob.
   */
  'job_id'?: (string);
}

export interface GetJobRequest__Output {
  /**
   * As returned by SubmitJob.
   */
  'job_id': (string);
}
