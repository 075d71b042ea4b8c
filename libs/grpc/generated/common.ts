import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Failure as _laion_dl_v1_Failure, Failure__Output as _laion_dl_v1_Failure__Output } from './laion_dl/v1/Failure.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  laion_dl: {
    v1: {
      Failure: MessageTypeDefinition<_laion_dl_v1_Failure, _laion_dl_v1_Failure__Output>
    }
  }
}

