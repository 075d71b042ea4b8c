import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AssemblerServiceClient as _laion_dl_v1_AssemblerServiceClient, AssemblerServiceDefinition as _laion_dl_v1_AssemblerServiceDefinition } from './laion_dl/v1/AssemblerService.ts';
import type { AssemblerStatus as _laion_dl_v1_AssemblerStatus, AssemblerStatus__Output as _laion_dl_v1_AssemblerStatus__Output } from './laion_dl/v1/AssemblerStatus.ts';
import type { DrainRequest as _laion_dl_v1_DrainRequest, DrainRequest__Output as _laion_dl_v1_DrainRequest__Output } from './laion_dl/v1/DrainRequest.ts';
import type { DrainResponse as _laion_dl_v1_DrainResponse, DrainResponse__Output as _laion_dl_v1_DrainResponse__Output } from './laion_dl/v1/DrainResponse.ts';
import type { GetStatusRequest as _laion_dl_v1_GetStatusRequest, GetStatusRequest__Output as _laion_dl_v1_GetStatusRequest__Output } from './laion_dl/v1/GetStatusRequest.ts';
import type { ShardProgress as _laion_dl_v1_ShardProgress, ShardProgress__Output as _laion_dl_v1_ShardProgress__Output } from './laion_dl/v1/ShardProgress.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  laion_dl: {
    v1: {
      AssemblerService: SubtypeConstructor<typeof grpc.Client, _laion_dl_v1_AssemblerServiceClient> & { service: _laion_dl_v1_AssemblerServiceDefinition }
      AssemblerStatus: MessageTypeDefinition<_laion_dl_v1_AssemblerStatus, _laion_dl_v1_AssemblerStatus__Output>
      DrainRequest: MessageTypeDefinition<_laion_dl_v1_DrainRequest, _laion_dl_v1_DrainRequest__Output>
      DrainResponse: MessageTypeDefinition<_laion_dl_v1_DrainResponse, _laion_dl_v1_DrainResponse__Output>
      GetStatusRequest: MessageTypeDefinition<_laion_dl_v1_GetStatusRequest, _laion_dl_v1_GetStatusRequest__Output>
      ShardProgress: MessageTypeDefinition<_laion_dl_v1_ShardProgress, _laion_dl_v1_ShardProgress__Output>
    }
  }
}

