// Original file: ../../proto/laion_dl/v1/ingest.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetJobRequest as _laion_dl_v1_GetJobRequest, GetJobRequest__Output as _laion_dl_v1_GetJobRequest__Output } from '../../laion_dl/v1/GetJobRequest.ts';
import type { JobStatus as _laion_dl_v1_JobStatus, JobStatus__Output as _laion_dl_v1_JobStatus__Output } from '../../laion_dl/v1/JobStatus.ts';
import type { SubmitJobRequest as _laion_dl_v1_SubmitJobRequest, SubmitJobRequest__Output as _laion_dl_v1_SubmitJobRequest__Output } from '../../laion_dl/v1/SubmitJobRequest.ts';
import type { SubmitJobResponse as _laion_dl_v1_SubmitJobResponse, SubmitJobResponse__Output as _laion_dl_v1_SubmitJobResponse__Output } from '../../laion_dl/v1/SubmitJobResponse.ts';

export interface IngestServiceClient extends grpc.Client {
  /**
   * Progress of a submitted job; NOT_FOUND for an unknown job_id.
   */
  GetJob(argument: _laion_dl_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _laion_dl_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _laion_dl_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _laion_dl_v1_GetJobRequest, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  /**
   * Progress of a submitted job; NOT_FOUND for an unknown job_id.
   */
  getJob(argument: _laion_dl_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJob(argument: _laion_dl_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJob(argument: _laion_dl_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJob(argument: _laion_dl_v1_GetJobRequest, callback: grpc.requestCallback<_laion_dl_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads the manifest and enqueues one work unit per shard. Fails with INVALID_ARGUMENT for bad
   * options and NOT_FOUND for a missing manifest; a broken manifest fails before anything is
   * enqueued, naming the byte offset.
   */
  SubmitJob(argument: _laion_dl_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _laion_dl_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _laion_dl_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _laion_dl_v1_SubmitJobRequest, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reads the manifest and enqueues one work unit per shard. Fails with INVALID_ARGUMENT for bad
   * options and NOT_FOUND for a missing manifest; a broken manifest fails before anything is
   * enqueued, naming the byte offset.
   */
  submitJob(argument: _laion_dl_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _laion_dl_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _laion_dl_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _laion_dl_v1_SubmitJobRequest, callback: grpc.requestCallback<_laion_dl_v1_SubmitJobResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface IngestServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Progress of a submitted job; NOT_FOUND for an unknown job_id.
   */
  GetJob: grpc.handleUnaryCall<_laion_dl_v1_GetJobRequest__Output, _laion_dl_v1_JobStatus>;
  
  /**
   * Reads the manifest and enqueues one work unit per shard. Fails with INVALID_ARGUMENT for bad
   * options and NOT_FOUND for a missing manifest; a broken manifest fails before anything is
   * enqueued, naming the byte offset.
   */
  SubmitJob: grpc.handleUnaryCall<_laion_dl_v1_SubmitJobRequest__Output, _laion_dl_v1_SubmitJobResponse>;
  
}

export interface IngestServiceDefinition extends grpc.ServiceDefinition {
  GetJob: MethodDefinition<_laion_dl_v1_GetJobRequest, _laion_dl_v1_JobStatus, _laion_dl_v1_GetJobRequest__Output, _laion_dl_v1_JobStatus__Output>
  SubmitJob: MethodDefinition<_laion_dl_v1_SubmitJobRequest, _laion_dl_v1_SubmitJobResponse, _laion_dl_v1_SubmitJobRequest__Output, _laion_dl_v1_SubmitJobResponse__Output>
}
