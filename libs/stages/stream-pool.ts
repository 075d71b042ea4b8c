import type { ClientDuplexStream, StatusObject } from "@grpc/grpc-js";
import { RemoteStageError } from "./errors.ts";

export interface StreamPoolOptions<Request, Response> {
  /** The service's name in error messages: "fetcher", "transformer". */
  readonly name: string;
  /** Streams kept open; each is balanced to a replica when it opens. */
  readonly streams: number;
  /** How long a request may stay unanswered, re-sends included, before it is rejected. */
  readonly requestTimeoutMs: number;
  /**
   * A stream is half-closed (after its pending requests are answered) and replaced when this old,
   * so the streams spread again over the replicas there are now, new ones included.
   */
  readonly maxStreamAgeMs: number;
  /** Opens one bidi call. */
  open(): ClientDuplexStream<Request, Response>;
}

export interface StreamPool<Request, Response> {
  /** Sends the request built for a fresh id and resolves with its response, from whichever stream. */
  request(build: (id: number) => Request): Promise<Response>;
  /** Requests not answered yet. */
  pending(): number;
  /** Rejects what is pending (RemoteStageError) and cancels every stream. */
  close(): void;
}

interface Stream<Request, Response> {
  readonly call: ClientDuplexStream<Request, Response>;
  /** Ids of the requests sent on this stream and not answered yet. */
  readonly ids: Set<number>;
  answered: boolean;
  retiring: boolean;
  over: boolean;
  ageTimer?: NodeJS.Timeout;
}

interface Pending<Request, Response> {
  readonly id: number;
  readonly message: Request;
  readonly resolve: (response: Response) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  stream: Stream<Request, Response> | null;
}

const MAX_REOPEN_DELAY_MS = 2_000;
/** Until the first stream answers, or this long after it opened, it is the only stream (see warm-up). */
const WARM_UP_MS = 200;

/**
 * Requests over a few long-lived bidi streams, matched to responses by id. Each request goes on
 * the stream with the fewest pending requests. When a stream fails or ends (replica gone, drained,
 * UNAVAILABLE), its unanswered requests are sent again on the others and a replacement is opened,
 * after a growing delay while new streams keep failing unanswered. A request resolves at most once:
 * the first response for its id wins, later copies are dropped.
 *
 * Warm-up: round_robin balances a stream when it opens, over the replicas connected at that moment.
 * Streams opened before any connection is up would all queue for the first replica to connect,
 * so one stream opens first and the others once it has answered (every replica has had the time
 * to connect by then) or WARM_UP_MS later.
 */
export function createStreamPool<Request, Response extends { id: number }>(options: StreamPoolOptions<Request, Response>): StreamPool<Request, Response> {
  const pending = new Map<number, Pending<Request, Response>>();
  const streams = new Set<Stream<Request, Response>>();
  let unsent: Pending<Request, Response>[] = [];
  let nextId = 1;
  let failuresInARow = 0;
  let reopenTimer: NodeJS.Timeout | undefined;
  let lastProblem: unknown;
  let closed = false;
  let warm = false;
  let warmUpTimer: NodeJS.Timeout | undefined;

  const warmUp = (): void => {
    if (warm) return;
    warm = true;
    clearTimeout(warmUpTimer);
    fill();
  };

  const usable = (): Stream<Request, Response>[] => [...streams].filter((stream) => !stream.retiring);

  const dispatch = (request: Pending<Request, Response>): void => {
    let best: Stream<Request, Response> | undefined;
    for (const stream of usable()) if (!best || stream.ids.size < best.ids.size) best = stream;
    if (!best) {
      unsent.push(request);
      fill();
      return;
    }
    request.stream = best;
    best.ids.add(request.id);
    // Writes are not held back: the caller's window bounds what is pending, and a pending
    // request's message is kept for re-sending anyway.
    best.call.write(request.message);
  };

  const settle = (request: Pending<Request, Response>): void => {
    pending.delete(request.id);
    clearTimeout(request.timer);
    request.stream?.ids.delete(request.id);
    request.stream = null;
  };

  const onResponse = (stream: Stream<Request, Response>, response: Response): void => {
    stream.answered = true;
    failuresInARow = 0;
    warmUp();
    stream.ids.delete(response.id);
    const request = pending.get(response.id);
    if (!request) return; // already answered by a copy sent elsewhere, or timed out
    settle(request);
    request.resolve(response);
  };

  const onOver = (stream: Stream<Request, Response>, status: StatusObject): void => {
    if (stream.over) return;
    stream.over = true;
    streams.delete(stream);
    clearTimeout(stream.ageTimer);
    if (!stream.answered && !stream.retiring) failuresInARow++;
    if (status.code !== 0) lastProblem = status;
    if (closed) return;
    const orphans = [...stream.ids].flatMap((id) => {
      const request = pending.get(id);
      return request && request.stream === stream ? [request] : [];
    });
    stream.ids.clear();
    fill();
    for (const request of orphans) {
      request.stream = null;
      dispatch(request);
    }
  };

  const openStream = (): void => {
    const call = options.open();
    const stream: Stream<Request, Response> = { call, ids: new Set(), answered: false, retiring: false, over: false };
    streams.add(stream);
    call.on("data", (response: Response) => onResponse(stream, response));
    call.on("error", (error: Error) => {
      lastProblem = error; // 'status' follows and does the work
    });
    call.on("status", (status: StatusObject) => onOver(stream, status));
    stream.ageTimer = setTimeout(() => retire(stream), options.maxStreamAgeMs);
    stream.ageTimer.unref();
  };

  /** Opens streams up to the target, at once or after the back-off while new ones keep failing. */
  const fill = (): void => {
    if (closed || reopenTimer !== undefined || usable().length >= (warm ? options.streams : 1)) return;
    const delay = failuresInARow === 0 ? 0 : Math.min(100 * 2 ** (failuresInARow - 1), MAX_REOPEN_DELAY_MS);
    if (delay > 0) {
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined;
        openMissing();
      }, delay);
      return;
    }
    openMissing();
  };

  const openMissing = (): void => {
    if (closed) return;
    const target = warm ? options.streams : 1;
    for (let missing = target - usable().length; missing > 0; missing--) openStream();
    if (!warm && warmUpTimer === undefined) {
      warmUpTimer = setTimeout(warmUp, WARM_UP_MS);
      warmUpTimer.unref();
    }
    const waiting = unsent;
    unsent = [];
    for (const request of waiting) if (pending.has(request.id)) dispatch(request);
  };

  const retire = (stream: Stream<Request, Response>): void => {
    if (stream.over || closed) return;
    stream.retiring = true;
    fill();
    stream.call.end(); // the replica answers what it holds, then ends the stream
  };

  return {
    request(build) {
      if (closed) return Promise.reject(new RemoteStageError(`Expected open ${options.name} stages but they are closed`));
      return new Promise<Response>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          const request = pending.get(id);
          if (!request) return;
          settle(request);
          const problem = lastProblem as { details?: string; message?: string } | undefined;
          const cause = problem?.details ?? problem?.message;
          reject(
            new RemoteStageError(`No ${options.name} answered within ${options.requestTimeoutMs} ms${cause ? ` (last problem: ${cause})` : ""}`, {
              cause: lastProblem,
            }),
          );
        }, options.requestTimeoutMs);
        const request: Pending<Request, Response> = { id, message: build(id), resolve, reject, timer, stream: null };
        pending.set(id, request);
        dispatch(request);
      });
    },
    pending: () => pending.size,
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(reopenTimer);
      clearTimeout(warmUpTimer);
      for (const request of [...pending.values()]) {
        settle(request);
        request.reject(new RemoteStageError(`Expected open ${options.name} stages but they were closed with the request pending`));
      }
      unsent = [];
      for (const stream of streams) {
        clearTimeout(stream.ageTimer);
        stream.call.cancel();
      }
    },
  };
}
