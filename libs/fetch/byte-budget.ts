/**
 * A cap on the body bytes a process holds at once (`--max_inflight_bytes`): bytes being received
 * and bodies fetched but not yet consumed. A download that would pass the cap stops reading its
 * socket until room is made, so memory stays flat whatever the servers send (64 gzip bombs at once
 * included); the TCP window pushes the wait back to the server.
 */
export interface ByteBudget {
  /** One download's share, grown as its body arrives and given back by `close`. */
  open(): BodyLoan;
  readonly limit: number;
  /** Bytes held now. */
  readonly used: number;
  /** The most bytes held at once so far. */
  readonly peak: number;
}

export interface BodyLoan {
  /**
   * Room for `bytes` more: undefined when granted at once, else a promise that resolves once
   * granted, or rejects with the signal's reason when it aborts first (a download's deadline).
   */
  grow(bytes: number, signal?: AbortSignal): Promise<void> | undefined;
  /** The body is complete: its bytes now wait for a consumer, which frees them by `close`. */
  finish(): void;
  /** Gives every byte back (idempotent). */
  close(): void;
}

interface Waiter {
  readonly loan: Loan;
  readonly bytes: number;
  readonly grant: () => void;
  /** Set once the waiter gave up (its signal aborted). */
  gone: boolean;
}

interface Loan extends BodyLoan {
  held: number;
  finished: boolean;
  closed: boolean;
}

export function createByteBudget(limit: number): ByteBudget {
  if (!(limit > 0)) throw new RangeError(`Expected positive number for limit but received ${limit}`);
  let used = 0;
  let peak = 0;
  // Bytes of complete bodies: consumers free these, so while any exist, waiting makes progress.
  let finishedBytes = 0;
  // While only partial bodies hold the budget nothing would free it, so one download at a time
  // may go past the cap (one body over it at most) rather than every one waiting for its deadline.
  let exceeding: Loan | null = null;
  const waiters: Waiter[] = [];
  const mayGrow = (loan: Loan, bytes: number): boolean => {
    if (used + bytes <= limit) return true;
    if (finishedBytes > 0 || (exceeding !== null && exceeding !== loan)) return false;
    exceeding = loan;
    return true;
  };

  const admit = () => {
    while (waiters.length > 0) {
      const head = waiters[0]!;
      if (head.loan.closed || head.gone) {
        waiters.shift();
        continue;
      }
      if (!mayGrow(head.loan, head.bytes)) return;
      waiters.shift();
      head.loan.held += head.bytes;
      used += head.bytes;
      peak = Math.max(peak, used);
      head.grant();
    }
  };

  return {
    open() {
      const loan: Loan = {
        held: 0,
        finished: false,
        closed: false,
        grow(bytes, signal) {
          if (loan.closed) throw new Error("Expected an open loan but it was closed");
          // The download allowed past the cap keeps going; others queue behind earlier waiters.
          if ((waiters.length === 0 || loan === exceeding) && mayGrow(loan, bytes)) {
            loan.held += bytes;
            used += bytes;
            peak = Math.max(peak, used);
            return undefined;
          }
          return new Promise<void>((resolve, reject) => {
            signal?.throwIfAborted();
            const onAbort = () => {
              waiter.gone = true;
              reject(signal!.reason);
              admit(); // the head may have been this waiter
            };
            const waiter: Waiter = {
              loan,
              bytes,
              gone: false,
              grant: () => {
                signal?.removeEventListener("abort", onAbort);
                resolve();
              },
            };
            signal?.addEventListener("abort", onAbort, { once: true });
            waiters.push(waiter);
            admit();
          });
        },
        finish() {
          if (loan.finished || loan.closed) return;
          loan.finished = true;
          finishedBytes += loan.held;
          if (exceeding === loan) exceeding = null;
        },
        close() {
          if (loan.closed) return;
          loan.closed = true;
          used -= loan.held;
          if (loan.finished) finishedBytes -= loan.held;
          if (exceeding === loan) exceeding = null;
          loan.held = 0;
          admit();
        },
      };
      return loan;
    },
    limit,
    get used() {
      return used;
    },
    get peak() {
      return peak;
    },
  };
}
