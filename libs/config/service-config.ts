import { OptionError, parseOptions, type OptionSpec } from "./download-options.ts";

/**
 * Every service's `health_port`: plaintext grpc.health.v1 and nothing else, for kubelet's gRPC
 * probes when the gRPC port needs TLS (they cannot present or verify a certificate).
 */
export const HEALTH_PORT_SPEC = {
  name: "health_port",
  kind: "int",
  default: 0,
  min: 0,
  max: 65_535,
  help: "plaintext port answering only grpc.health.v1 (kubelet probes when the gRPC port has TLS); 0: none",
} as const satisfies OptionSpec<"health_port">;

/** The environment variable of a service option: port → LAION_DL_PORT, nats_url → LAION_DL_NATS_URL. */
export function envName(option: string): string {
  return `LAION_DL_${option.toUpperCase()}`;
}

/**
 * Reads a service's config once at boot: `--name value` / `--name=value` flags win over
 * LAION_DL_* variables, which win over defaults. A bad or unknown value throws an OptionError
 * naming the flag or variable, so the service exits before it serves anything.
 */
export function readServiceConfig<Name extends string>(
  specs: readonly OptionSpec<Name>[],
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<Name, unknown>> {
  const known = new Set<string>(specs.map((spec) => spec.name));
  const fromFlags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z0-9_]+)(?:=(.*))?$/.exec(arg);
    if (!match || !known.has(match[1]!)) throw new OptionError(`unknown option ${arg}; known: ${[...known].map((n) => `--${n}`).join(" ")}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new OptionError(`--${match[1]} needs a value`);
    fromFlags.set(match[1]!, value);
  }
  const raw: Record<string, unknown> = {};
  for (const spec of specs) raw[spec.name] = fromFlags.get(spec.name) ?? env[envName(spec.name)];
  return parseOptions(specs, raw, (name) => (fromFlags.has(name) ? `--${name}` : `${envName(name)} (or --${name})`));
}
