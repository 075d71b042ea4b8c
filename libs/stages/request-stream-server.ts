import type { ServerDuplexStream } from "@laion-dl/grpc";

export interface RequestStreamServerOptions<Request, Response> {
  /** Requests worked on at once, across every stream this server serves. */
  readonly concurrency: number;
  /** Works one request; a rejection becomes `onError`'s response. */
  handle(request: Request): Promise<Response>;
  /** The response for a request whose `handle` rejected. */
  onError(request: Request, error: unknown): Response;
  /** Told the number of requests being worked on each time it changes. */
  onActivity?(inFlight: number): void;
}

export interface RequestStreamServer<Request, Response> {
  /** The bidi handler: serves one stream until the caller half-closes, cancels, or drain(). */
  serve(call: ServerDuplexStream<Request, Response>): void;
  /** Requests being worked on now. */
  inFlight(): number;
  /**
   * Stops reading requests on every stream (requests not read yet are left unanswered: the caller
   * sends them again elsewhere), answers those being worked on, then ends each stream with OK.
   * Resolves once nothing is in flight; new streams are ended at once.
   */
  drain(): Promise<void>;
}

interface StreamState<Request, Response> {
  readonly call: ServerDuplexStream<Request, Response>;
  /** Requests read while every slot was taken: the stream is paused until they get one. */
  queued: number;
  running: number;
  writeBlocked: boolean;
  callerEnded: boolean;
  /** Ended or cancelled: nothing more is read or written. */
  closed: boolean;
}

/**
 * Serves bidi streams of independent requests matched by id: each request is worked on as it
 * arrives, bounded by `concurrency` over all streams (slots go to waiting streams first come,
 * first served), and answered as soon as it is done, in any order. A stream is read only while it
 * can be served: it is paused while its next request waits for a slot and while the caller does
 * not read responses (write backpressure), so HTTP/2 flow control pushes back on the caller.
 */
export function createRequestStreamServer<Request, Response>(options: RequestStreamServerOptions<Request, Response>): RequestStreamServer<Request, Response> {
  const { concurrency } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Expected positive integer for concurrency but received ${concurrency}`);
  }
  const streams = new Set<StreamState<Request, Response>>();
  const waiters: { state: StreamState<Request, Response>; request: Request }[] = [];
  let running = 0;
  let draining = false;
  let drained: Promise<void> | undefined;
  let resolveDrained: (() => void) | undefined;

  const settleDrain = (): void => {
    if (draining && running === 0 && streams.size === 0) resolveDrained?.();
  };

  const updateFlow = (state: StreamState<Request, Response>): void => {
    if (state.closed) return;
    const hold = draining || state.queued > 0 || state.writeBlocked;
    if (hold && !state.call.isPaused()) state.call.pause();
    else if (!hold && state.call.isPaused()) state.call.resume();
  };

  /** Forgets the requests a stream read but did not start: its caller sends them again elsewhere. */
  const dropQueued = (state: StreamState<Request, Response>): void => {
    if (state.queued === 0) return;
    state.queued = 0;
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.state === state) waiters.splice(i, 1);
  };

  const close = (state: StreamState<Request, Response>): void => {
    state.closed = true;
    dropQueued(state);
    streams.delete(state);
  };

  /** Ends the stream once it owes nothing and will read nothing more. */
  const maybeEnd = (state: StreamState<Request, Response>): void => {
    if (state.closed || state.running > 0 || state.queued > 0) return;
    if (!state.callerEnded && !draining) return;
    close(state);
    state.call.end();
    settleDrain();
  };

  const reply = (state: StreamState<Request, Response>, response: Response): void => {
    if (state.closed || state.call.cancelled || state.call.writableEnded) return;
    if (!state.call.write(response) && !state.writeBlocked) {
      state.writeBlocked = true;
      updateFlow(state);
      state.call.once("drain", () => {
        state.writeBlocked = false;
        updateFlow(state);
      });
    }
  };

  const start = (state: StreamState<Request, Response>, request: Request): void => {
    running++;
    state.running++;
    options.onActivity?.(running);
    const work = async (): Promise<Response> => {
      try {
        return await options.handle(request);
      } catch (error) {
        return options.onError(request, error);
      }
    };
    void work().then(
      (response) => finish(state, response),
      () => finish(state, null), // onError threw: nothing to send, the caller re-sends when the stream ends
    );
  };

  const finish = (state: StreamState<Request, Response>, response: Response | null): void => {
    running--;
    state.running--;
    if (response !== null) reply(state, response);
    admitWaiters();
    maybeEnd(state);
    settleDrain();
    options.onActivity?.(running);
  };

  const admitWaiters = (): void => {
    while (running < concurrency && waiters.length > 0) {
      const { state, request } = waiters.shift()!;
      state.queued--;
      start(state, request);
      updateFlow(state);
    }
  };

  const serve = (call: ServerDuplexStream<Request, Response>): void => {
    const state: StreamState<Request, Response> = { call, queued: 0, running: 0, writeBlocked: false, callerEnded: false, closed: false };
    // Cancelled by the caller, or failed (grpc-js then ends it with the error's status): work in
    // progress finishes, its responses are dropped.
    const abandon = () => {
      close(state);
      settleDrain();
    };
    call.on("error", abandon);
    call.on("cancelled", abandon);
    if (draining) {
      call.end();
      return;
    }
    streams.add(state);
    call.on("data", (request: Request) => {
      if (state.closed || draining) return; // read after drain began: left for the caller to send again
      if (running < concurrency && waiters.length === 0) {
        start(state, request);
      } else {
        state.queued++;
        waiters.push({ state, request });
        updateFlow(state);
      }
    });
    call.on("end", () => {
      state.callerEnded = true;
      maybeEnd(state);
    });
  };

  return {
    serve,
    inFlight: () => running,
    drain() {
      drained ??= new Promise<void>((resolve) => {
        resolveDrained = resolve;
        draining = true;
        for (const state of [...streams]) {
          dropQueued(state);
          updateFlow(state);
          maybeEnd(state);
        }
        settleDrain();
      });
      return drained;
    },
  };
}
