import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetJobRequest as _laion_dl_v1_GetJobRequest, GetJobRequest__Output as _laion_dl_v1_GetJobRequest__Output } from './laion_dl/v1/GetJobRequest.ts';
import type { IngestServiceClient as _laion_dl_v1_IngestServiceClient, IngestServiceDefinition as _laion_dl_v1_IngestServiceDefinition } from './laion_dl/v1/IngestService.ts';
import type { JobStatus as _laion_dl_v1_JobStatus, JobStatus__Output as _laion_dl_v1_JobStatus__Output } from './laion_dl/v1/JobStatus.ts';
import type { SubmitJobRequest as _laion_dl_v1_SubmitJobRequest, SubmitJobRequest__Output as _laion_dl_v1_SubmitJobRequest__Output } from './laion_dl/v1/SubmitJobRequest.ts';
import type { SubmitJobResponse as _laion_dl_v1_SubmitJobResponse, SubmitJobResponse__Output as _laion_dl_v1_SubmitJobResponse__Output } from './laion_dl/v1/SubmitJobResponse.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  laion_dl: {
    v1: {
      GetJobRequest: MessageTypeDefinition<_laion_dl_v1_GetJobRequest, _laion_dl_v1_GetJobRequest__Output>
      IngestService: SubtypeConstructor<typeof grpc.Client, _laion_dl_v1_IngestServiceClient> & { service: _laion_dl_v1_IngestServiceDefinition }
      JobStatus: MessageTypeDefinition<_laion_dl_v1_JobStatus, _laion_dl_v1_JobStatus__Output>
      SubmitJobRequest: MessageTypeDefinition<_laion_dl_v1_SubmitJobRequest, _laion_dl_v1_SubmitJobRequest__Output>
      SubmitJobResponse: MessageTypeDefinition<_laion_dl_v1_SubmitJobResponse, _laion_dl_v1_SubmitJobResponse__Output>
    }
  }
}

