import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import {
  credentials,
  InterceptingCall,
  ResponderBuilder,
  ServerCredentials,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ChannelCredentials,
  type Interceptor,
  type ServerInterceptor,
} from "@grpc/grpc-js";

/** A security setting that cannot work (a file missing, a certificate without its key …). */
export class TransportSecurityError extends Error {
  override readonly name = "TransportSecurityError";
}

/**
 * How a process's gRPC servers and clients protect their calls, read once at boot
 * (readTransportSecurity). The same setting serves both sides, since every service is a server and
 * most are clients of the next stage too.
 */
export interface TransportSecurity {
  /** PEM certificate chain and key: served by servers (TLS on), presented by clients (mutual TLS). */
  readonly certificate?: { readonly chain: Buffer; readonly key: Buffer };
  /** PEM CA: servers refuse clients without a certificate it signed; clients verify servers with it. */
  readonly ca?: Buffer;
  /** Bearer token clients send as `authorization` metadata and servers require on every call but health. */
  readonly token?: string;
  /** Serve a non-loopback address with neither TLS nor a token (with a warning at boot). */
  readonly insecure: boolean;
}

/** Plaintext, no token, loopback only: what tests and the embedded mode use. */
export const PLAINTEXT: TransportSecurity = Object.freeze({ insecure: false });

/**
 * LAION_DL_TLS_CERT / LAION_DL_TLS_KEY / LAION_DL_TLS_CA (PEM file paths), LAION_DL_AUTH_TOKEN and
 * LAION_DL_INSECURE (True/False). Throws a TransportSecurityError naming the variable at fault.
 */
export function readTransportSecurity(env: NodeJS.ProcessEnv = process.env): TransportSecurity {
  const pem = (name: string): Buffer | undefined => {
    const path = env[name];
    if (path === undefined || path === "") return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TransportSecurityError(
        `Expected a readable PEM file for ${name} but received ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  };
  const chain = pem("LAION_DL_TLS_CERT");
  const key = pem("LAION_DL_TLS_KEY");
  if ((chain === undefined) !== (key === undefined)) {
    throw new TransportSecurityError("Expected LAION_DL_TLS_CERT and LAION_DL_TLS_KEY together, or neither");
  }
  const token = env.LAION_DL_AUTH_TOKEN || undefined;
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw new TransportSecurityError("Expected printable ASCII without spaces for LAION_DL_AUTH_TOKEN (it travels as an HTTP/2 header)");
  }
  const insecure = env.LAION_DL_INSECURE ?? "False";
  if (!/^(true|false|1|0)$/i.test(insecure)) throw new TransportSecurityError(`Expected True or False for LAION_DL_INSECURE but received ${insecure}`);
  const ca = pem("LAION_DL_TLS_CA");
  return Object.freeze({
    ...(chain && key ? { certificate: Object.freeze({ chain, key }) } : {}),
    ...(ca ? { ca } : {}),
    ...(token ? { token } : {}),
    insecure: /^(true|1)$/i.test(insecure),
  });
}

/** TLS when a certificate is set (client certificates required when a CA is), else plaintext. */
export function serverCredentialsOf(security: TransportSecurity): ServerCredentials {
  if (!security.certificate) {
    if (security.ca)
      throw new TransportSecurityError("Expected LAION_DL_TLS_CERT and LAION_DL_TLS_KEY with LAION_DL_TLS_CA: a server needs its own certificate");
    return ServerCredentials.createInsecure();
  }
  const { chain, key } = security.certificate;
  return ServerCredentials.createSsl(security.ca ?? null, [{ cert_chain: chain, private_key: key }], security.ca !== undefined);
}

/** TLS when a certificate or a CA is set (the system's CAs when only a certificate is), else plaintext. */
export function channelCredentialsOf(security: TransportSecurity): ChannelCredentials {
  if (!security.certificate && !security.ca) return credentials.createInsecure();
  return credentials.createSsl(security.ca ?? null, security.certificate?.key ?? null, security.certificate?.chain ?? null);
}

/**
 * Sends the token as `authorization: Bearer …` on every call. An interceptor rather than call
 * credentials: grpc-js only sends call credentials over TLS, and a token alone is a supported setup.
 */
export function tokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * Refuses (UNAUTHENTICATED) every call without the bearer token, except grpc.health.v1: kubelet's
 * gRPC probes send no metadata, and health tells nothing but SERVING or not. Reflection needs the
 * token like the services it describes (`buf curl --reflect-header '*'` sends it).
 */
export function tokenCheck(token: string): ServerInterceptor {
  const expected = digest(`Bearer ${token}`);
  return (method, call) =>
    new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) => {
          next(
            new ServerListenerBuilder()
              .withOnReceiveMetadata((metadata, pass) => {
                const presented = metadata.get("authorization")[0];
                if (method.path.startsWith("/grpc.health.v1.Health/") || (typeof presented === "string" && timingSafeEqual(digest(presented), expected))) {
                  pass(metadata);
                } else {
                  call.sendStatus({ code: status.UNAUTHENTICATED, details: `Expected an authorization: Bearer token for ${method.path}` });
                }
              })
              .build(),
          );
        })
        .build(),
    );
}

/**
 * Checks that a server may listen on `host`: loopback always; any other address only with TLS or a
 * token, or with LAION_DL_INSECURE=True, which returns a warning to log at boot.
 */
export function checkExposure(host: string, security: TransportSecurity): string | undefined {
  if (isLoopback(host) || security.certificate || security.token) return undefined;
  if (!security.insecure) {
    throw new TransportSecurityError(
      `Expected LAION_DL_TLS_CERT/LAION_DL_TLS_KEY or LAION_DL_AUTH_TOKEN to listen on ${host}: anyone who reaches it could read and write files as this service; ` +
        "set LAION_DL_INSECURE=True to serve it unauthenticated anyway (behind a NetworkPolicy), or listen on 127.0.0.1",
    );
  }
  return `listening on ${host} without TLS or a token (LAION_DL_INSECURE=True): anyone who reaches the port can submit jobs and fetch URLs`;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || (isIPv4(bare) && bare.startsWith("127.")) || /^::ffff:127\./.test(bare);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
