import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from './laion_dl/v1/Failure.ts';
import type { FetchOptions as _laion_dl_v1_FetchOptions, FetchOptions__Output as _laion_dl_v1_FetchOptions__Output } from './laion_dl/v1/FetchOptions.ts';
import type { FetchRequest as _laion_dl_v1_FetchRequest, FetchRequest__Output as _laion_dl_v1_FetchRequest__Output } from './laion_dl/v1/FetchRequest.ts';
import type { FetchResponse as _laion_dl_v1_FetchResponse, FetchResponse__Output as _laion_dl_v1_FetchResponse__Output } from './laion_dl/v1/FetchResponse.ts';
import type { FetchServiceClient as _laion_dl_v1_FetchServiceClient, FetchServiceDefinition as _laion_dl_v1_FetchServiceDefinition } from './laion_dl/v1/FetchService.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  laion_dl: {
    v1: {
      Failure: MessageTypeDefinition<_laion_dl_v1_Failure, _laion_dl_v1_Failure__Output>
      FetchOptions: MessageTypeDefinition<_laion_dl_v1_FetchOptions, _laion_dl_v1_FetchOptions__Output>
      FetchRequest: MessageTypeDefinition<_laion_dl_v1_FetchRequest, _laion_dl_v1_FetchRequest__Output>
      FetchResponse: MessageTypeDefinition<_laion_dl_v1_FetchResponse, _laion_dl_v1_FetchResponse__Output>
      FetchService: SubtypeConstructor<typeof grpc.Client, _laion_dl_v1_FetchServiceClient> & { service: _laion_dl_v1_FetchServiceDefinition }
    }
  }
}

