/** Anything the bus could not do: the message names the operation, `cause` holds the NATS error. */
export class BusError extends Error {
  override readonly name = "BusError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs one NATS operation, turning whatever it throws into a BusError that says what was attempted. */
export async function attempt<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof BusError) throw error;
    throw new BusError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The JetStream API error code (`err_code`) carried by a NatsError, if any. */
export function apiErrorCode(error: unknown): number | undefined {
  return (error as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
}
