import { isIPv4, isIPv6 } from "node:net";

/** A list of addresses that no single gRPC target can name. */
export class GrpcTargetError extends Error {
  override readonly name = "GrpcTargetError";
}

// grpc-js' name resolvers (xds with @grpc/grpc-js-xds).
const SCHEME = /^(dns|ipv4|ipv6|unix|unix-abstract|xds):/;

/**
 * The grpc-js target for one or several addresses:
 * - a target with a resolver scheme is kept as is: `dns:///fetcher.laion.svc.cluster.local:50051`
 *   (a Kubernetes headless Service: one connection per pod IP, re-resolved when connections drop),
 *   `ipv4:10.0.0.1:50051,10.0.0.2:50051`, `unix:///run/fetcher.sock`;
 * - one `host:port` is kept as is (resolved by DNS);
 * - several IP `host:port`s (a list, or one string with commas) become `ipv4:a,b` / `ipv6:[a],[b]`.
 * Several host names cannot share one target: give one DNS name that resolves to all of them.
 */
export function clientTarget(addresses: string | readonly string[]): string {
  const list = (typeof addresses === "string" ? [addresses] : addresses)
    .flatMap((address) => (SCHEME.test(address.trim()) ? [address] : address.split(",")))
    .map((address) => address.trim())
    .filter((address) => address !== "");
  const [first, ...rest] = list;
  if (first === undefined) throw new GrpcTargetError(`Expected at least one gRPC address but received ${JSON.stringify(addresses)}`);
  if (rest.length === 0) return first;
  const hosts = list.map((address) => (SCHEME.test(address) ? undefined : hostOf(address)));
  if (hosts.every((host) => host !== undefined && isIPv4(host))) return `ipv4:${list.join(",")}`;
  if (hosts.every((host) => host !== undefined && isIPv6(host))) return `ipv6:${list.join(",")}`;
  throw new GrpcTargetError(
    `Expected IP host:port addresses of one family for several gRPC addresses but received ${list.join(", ")}; ` +
      "for host names give one dns:/// name that resolves to every replica",
  );
}

/** `127.0.0.1:50051` → 127.0.0.1, `[::1]:50051` → ::1. */
function hostOf(address: string): string | undefined {
  return (/^\[([^\]]+)\]:\d+$/.exec(address) ?? /^([^:[\]]+):\d+$/.exec(address))?.[1];
}
