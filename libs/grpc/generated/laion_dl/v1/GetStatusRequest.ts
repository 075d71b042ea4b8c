// Original file: ../../proto/laion_dl/v1/assembler.proto


export interface GetStatusRequest {
}

export interface GetStatusRequest__Output {
}
