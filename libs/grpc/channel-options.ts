import type { ChannelOptions } from "@grpc/grpc-js";

/** Room for a 32 MB original image plus framing: the default limit for every message, both ways. */
export const DEFAULT_MAX_MESSAGE_BYTES = 48 * 1024 * 1024;

/**
 * The HTTP/2 receive window of every channel and server connection. grpc-js starts at 64 KiB, so a
 * 400 KB image arrives in seven window round trips; an 8 MiB window halves the CPU a hop costs
 * (bench/grpc-hop.ts). Clients set it as a channel option, servers in startGrpcServer.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 8 * 1024 * 1024;

/** The send and receive limits, for a server or a channel. */
export function messageSizeOptions(maxMessageBytes: number): ChannelOptions {
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes <= 0 || maxMessageBytes > 2 ** 31 - 1) {
    throw new RangeError(`Expected a positive integer number of bytes below 2^31 for maxMessageBytes but received ${maxMessageBytes}`);
  }
  return { "grpc.max_send_message_length": maxMessageBytes, "grpc.max_receive_message_length": maxMessageBytes };
}
