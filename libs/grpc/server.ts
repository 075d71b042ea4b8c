import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import type { Http2Server } from "node:http2";
import { FLOW_CONTROL_WINDOW_BYTES, messageSizeOptions } from "./channel-options.ts";
import { loadContracts } from "./contracts.ts";
import { addHealth, type HealthReporter } from "./health.ts";
import { addReflection } from "./reflection.ts";
import { checkExposure, PLAINTEXT, serverCredentialsOf, tokenCheck, type TransportSecurity } from "./transport-security.ts";

export interface ServiceRegistration {
  /** A service definition from loadContracts(), e.g. `contracts.fetch`. */
  readonly definition: ServiceDefinition;
  /** Its handlers, by method name (the generated `…Handlers` interface types them). */
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  /**
   * Interface to listen on; default 127.0.0.1. Any other address needs TLS or a token in
   * `security`, or `security.insecure` (see checkExposure).
   */
  readonly host?: string;
  /** TLS, mutual TLS and the bearer token (readTransportSecurity); default PLAINTEXT. */
  readonly security?: TransportSecurity;
  /** Told once at boot when the server listens beyond loopback without TLS or a token. */
  readonly warn?: (event: string, fields: Record<string, unknown>) => void;
  /** Port to listen on; 0 (the default) picks a free one, read it back from `port`. */
  readonly port?: number;
  /**
   * A second port on the same host serving grpc.health.v1 only, in plaintext and without a token:
   * kubelet's gRPC probes cannot speak TLS. It tells nothing but SERVING or not; every other
   * service and reflection are UNIMPLEMENTED there. Absent (the default): no such port; 0: a free one.
   */
  readonly healthPort?: number;
  readonly services: readonly ServiceRegistration[];
  /**
   * Extra fully-qualified names for health and reflection. The registered services' names are
   * taken from their definitions, so this is only needed for names they do not carry.
   */
  readonly serviceNames?: readonly string[];
  /** Largest message sent or received (DEFAULT_MAX_MESSAGE_BYTES is the usual value). */
  readonly maxMessageBytes: number;
  /** Descriptors served by reflection; default loadContracts().packageDefinition. */
  readonly packageDefinition?: PackageDefinition;
  /** Extra grpc-js server options (keepalive, grpc.max_connection_age_ms …); they override ours. */
  readonly serverOptions?: ChannelOptions;
  /** Server interceptors, e.g. countCalls for metrics. */
  readonly interceptors?: readonly ServerInterceptor[];
}

export interface GrpcServer {
  readonly port: number;
  /** The health-only port, when `healthPort` was given. */
  readonly healthPort?: number;
  /** `host:port` as bound, for clients. */
  readonly address: string;
  /** Every status starts NOT_SERVING: the caller flips them once its dependencies are ready. */
  readonly health: HealthReporter;
  /** Aborted when shutdown begins: stream handlers stop taking requests and end their streams. */
  readonly stopping: AbortSignal;
  /**
   * NOT_SERVING everywhere, then a graceful shutdown (no new calls, running calls finish), forced
   * after graceMs. Resolves "graceful" or "forced"; calling it again returns the same promise.
   */
  shutdown(graceMs: number): Promise<"graceful" | "forced">;
}

/**
 * Starts a gRPC server (plaintext, TLS or mutual TLS; a bearer token checked on every call but
 * health when one is set) with the given services, grpc.health.v1.Health and server
 * reflection (grpc.reflection.v1 and v1alpha) describing all of them.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const security = options.security ?? PLAINTEXT;
  const host = options.host ?? "127.0.0.1";
  const exposed = checkExposure(host, security);
  if (exposed) options.warn?.("insecure_listen", { host, message: exposed });
  const credentials = serverCredentialsOf(security);
  const server = new Server({
    ...messageSizeOptions(options.maxMessageBytes),
    ...options.serverOptions,
    // Counters first, so that calls the token check refuses are counted too.
    interceptors: [...(options.interceptors ?? []), ...(security.token ? [tokenCheck(security.token)] : [])],
  });
  const names = new Set<string>(options.serviceNames);
  for (const { definition, implementation } of options.services) {
    server.addService(definition, implementation);
    names.add(serviceNameOf(definition));
  }
  const healthServer = options.healthPort === undefined ? undefined : new Server({ interceptors: [...(options.interceptors ?? [])] });
  const health = addHealth(healthServer ? [server, healthServer] : [server], [...names]);
  await addReflection(server, options.packageDefinition ?? (await loadContracts()).packageDefinition, [...names]);

  const bindHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const port = await bind(server, `${bindHost}:${options.port ?? 0}`, credentials);
  widenReceiveWindows(server);
  // Plaintext beyond loopback too, with no LAION_DL_INSECURE: it answers SERVING or not, nothing else.
  const healthPort = healthServer && (await bind(healthServer, `${bindHost}:${options.healthPort}`, ServerCredentials.createInsecure()));

  const stopping = new AbortController();
  let shuttingDown: Promise<"graceful" | "forced"> | undefined;
  const shutdown = (graceMs: number): Promise<"graceful" | "forced"> => {
    shuttingDown ??= new Promise((resolve) => {
      health.stop();
      stopping.abort();
      healthServer?.tryShutdown(() => {});
      const force = setTimeout(() => {
        healthServer?.forceShutdown();
        server.forceShutdown();
        resolve("forced");
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve("graceful");
      });
    });
    return shuttingDown;
  };

  return {
    port,
    ...(healthPort === undefined ? {} : { healthPort }),
    address: `${bindHost}:${port}`,
    health,
    stopping: stopping.signal,
    shutdown,
  };
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
}

/**
 * grpc-js widens a client's HTTP/2 receive window (grpc-node.flow_control_window) but leaves a
 * server's at 64 KiB, so a large request (an image sent to a transformer) crawls through window
 * round trips at twice the CPU of a response. Each connection's window is widened as it opens,
 * through grpc-js's http2 servers: not a public API, so this throws if it is gone and
 * server_test.ts checks the window a client is offered.
 */
function widenReceiveWindows(server: Server): void {
  const http2Servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(http2Servers instanceof Map) || http2Servers.size === 0) {
    throw new Error("Expected grpc-js's Server to keep its bound http2 servers in `http2Servers`; update widenReceiveWindows for this grpc-js version");
  }
  for (const http2Server of http2Servers.keys() as IterableIterator<Http2Server>) {
    http2Server.on("session", (session) => {
      session.settings({ initialWindowSize: FLOW_CONTROL_WINDOW_BYTES });
      session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
    });
  }
}

/** `laion_dl.v1.FetchService` from its definition (every method path is /<service>/<method>). */
export function serviceNameOf(definition: ServiceDefinition): string {
  const path = Object.values(definition)[0]?.path;
  const name = path?.split("/")[1];
  if (!name) throw new RangeError("Expected a service definition with at least one method but received one with none");
  return name;
}
