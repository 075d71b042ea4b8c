import { readFileSync } from "node:fs";
import { credsAuthenticator, type ConnectionOptions } from "nats";

/** A NATS credential setting that cannot work (a file missing, a user without a password …). */
export class NatsAuthError extends Error {
  override readonly name = "NatsAuthError";
}

/** What a process adds to its NATS connection: one way to authenticate, and TLS. */
export type NatsAuth = Readonly<Pick<ConnectionOptions, "user" | "pass" | "token" | "authenticator" | "tls">>;

/**
 * Credentials and TLS for NATS the way nats.js takes them, from the environment, read once at boot:
 * LAION_DL_NATS_USER + LAION_DL_NATS_PASSWORD, or LAION_DL_NATS_TOKEN, or LAION_DL_NATS_CREDS (a
 * `.creds` file: JWT + NKey seed); LAION_DL_NATS_TLS_CA (verify the server) and
 * LAION_DL_NATS_TLS_CERT + LAION_DL_NATS_TLS_KEY (a client certificate). A bad setting throws a
 * NatsAuthError naming the variable.
 */
export function readNatsAuth(env: NodeJS.ProcessEnv = process.env): NatsAuth {
  const value = (name: string) => (env[name] === "" ? undefined : env[name]);
  const file = (name: string): string | undefined => {
    const path = value(name);
    if (path === undefined) return undefined;
    try {
      readFileSync(path);
    } catch (error) {
      throw new NatsAuthError(`Expected a readable file for ${name} but received ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return path;
  };
  const user = value("LAION_DL_NATS_USER");
  const pass = value("LAION_DL_NATS_PASSWORD");
  const token = value("LAION_DL_NATS_TOKEN");
  const creds = file("LAION_DL_NATS_CREDS");
  if ((user === undefined) !== (pass === undefined)) throw new NatsAuthError("Expected LAION_DL_NATS_USER and LAION_DL_NATS_PASSWORD together, or neither");
  const ways = [user && "LAION_DL_NATS_USER", token && "LAION_DL_NATS_TOKEN", creds && "LAION_DL_NATS_CREDS"].filter(Boolean);
  if (ways.length > 1) throw new NatsAuthError(`Expected one way to authenticate to NATS but received ${ways.join(", ")}`);
  const caFile = file("LAION_DL_NATS_TLS_CA");
  const certFile = file("LAION_DL_NATS_TLS_CERT");
  const keyFile = file("LAION_DL_NATS_TLS_KEY");
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new NatsAuthError("Expected LAION_DL_NATS_TLS_CERT and LAION_DL_NATS_TLS_KEY together, or neither");
  const tls = caFile || certFile ? { ...(caFile ? { caFile } : {}), ...(certFile && keyFile ? { certFile, keyFile } : {}) } : undefined;
  return Object.freeze({
    ...(user !== undefined ? { user, pass } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(creds !== undefined ? { authenticator: credsAuthenticator(readFileSync(creds)) } : {}),
    ...(tls ? { tls } : {}),
  });
}
