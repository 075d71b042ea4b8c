import { connectivityState, makeClientConstructor, status, type ChannelOptions, type Client, type ServiceDefinition } from "@grpc/grpc-js";
import { FLOW_CONTROL_WINDOW_BYTES, messageSizeOptions } from "./channel-options.ts";
import { clientTarget } from "./client-target.ts";
import { GrpcStatusError } from "./errors.ts";
import { channelCredentialsOf, PLAINTEXT, tokenInterceptor, type TransportSecurity } from "./transport-security.ts";

export interface ClientOptions {
  /** Largest message sent or received (DEFAULT_MAX_MESSAGE_BYTES is the usual value). */
  readonly maxMessageBytes: number;
  /** TLS, the client certificate and the bearer token (readTransportSecurity); default PLAINTEXT. */
  readonly security?: TransportSecurity;
  /** Extra grpc-js channel options (keepalive …); they override ours. */
  readonly channelOptions?: ChannelOptions;
}

/**
 * Every call is balanced over all the addresses a target resolves to (grpc-js `round_robin`,
 * picked per call: one long-lived stream stays on the replica it started on, so spread work by
 * opening several streams). A replica that goes away is skipped while the others keep serving.
 */
export const ROUND_ROBIN_SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

/**
 * A client for one service over one or several addresses (see clientTarget for the accepted
 * forms), secured as `options.security` says (plaintext by default), balanced round robin. `T` is the generated client interface, e.g.
 * `createClient<FetchServiceClient>(contracts.fetch, ["127.0.0.1:5001", "127.0.0.1:5002"], …)`.
 * Close it with `client.close()`.
 */
export function createClient<T extends Client = Client>(definition: ServiceDefinition, addresses: string | readonly string[], options: ClientOptions): T {
  const Constructor = makeClientConstructor(definition, "");
  const security = options.security ?? PLAINTEXT;
  return new Constructor(clientTarget(addresses), channelCredentialsOf(security), {
    ...(security.token ? { interceptors: [tokenInterceptor(security.token)] } : {}),
    "grpc.service_config": ROUND_ROBIN_SERVICE_CONFIG,
    "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
    ...messageSizeOptions(options.maxMessageBytes),
    ...options.channelOptions,
  }) as unknown as T;
}

/** Resolves once the client's channel is connected to at least one server, or rejects (UNAVAILABLE) after deadlineMs. */
export function waitForReady(client: Client, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + deadlineMs, (error) => {
      if (!error) resolve();
      else
        reject(
          new GrpcStatusError(status.UNAVAILABLE, `Expected a gRPC server ready at ${client.getChannel().getTarget()} within ${deadlineMs} ms`, {
            cause: error,
          }),
        );
    });
  });
}

/** Whether the client's channel is connected now; asking also starts a connection when it is idle. */
export function isChannelReady(client: Client): boolean {
  return client.getChannel().getConnectivityState(true) === connectivityState.READY;
}
