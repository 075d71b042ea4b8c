/**
 * A fetch or transform that no replica answered: every stream that carried it failed or ended
 * until `requestTimeoutMs` ran out, or the stages were closed. Not a FetchFailure or
 * TransformFailure, so processSample does not record the row: the shard fails and is handed back.
 */
export class RemoteStageError extends Error {
  override readonly name = "RemoteStageError";
}
