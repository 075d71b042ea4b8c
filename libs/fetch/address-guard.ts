import { BlockList, isIP } from "node:net";

/**
 * Address ranges a crawler must never reach on a manifest's say-so: this host, the local network
 * and cloud metadata services (169.254.169.254, fd00:ec2::254, 100.100.100.200), plus ranges that
 * are not unicast destinations at all. Checked on resolved addresses, so a public name that
 * resolves to 10.0.0.1 is refused too.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT; Alibaba's metadata service lives here
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local: AWS/GCP/Azure metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved and broadcast
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 127], // unspecified and loopback
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local: AWS's fd00:ec2::254
  ["fe80::", 10], // link-local
  ["fec0::", 10], // deprecated site-local
  ["ff00::", 8], // multicast
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

/**
 * Whether `address` (an IPv4 or IPv6 literal) is private, loopback, link-local, unique-local,
 * metadata or otherwise not a public unicast address. IPv6 forms that carry an IPv4 address are
 * judged by it: IPv4-compatible ::a.b.c.d, mapped ::ffff:a.b.c.d, SIIT ::ffff:0:a.b.c.d, NAT64
 * 64:ff9b::a.b.c.d and 6to4 2002:AABB:CCDD::; local-use NAT64 64:ff9b:1::/48 is refused whole.
 * Anything unparseable is refused.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return true;
  if (PRIVATE.check(address, "ipv6")) return true; // BlockList also matches ::ffff:a.b.c.d against IPv4 rules
  const groups = expandIpv6(address);
  if (!groups) return true;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1) return true;
  const embedded = embeddedIpv4(groups);
  return embedded !== null && PRIVATE.check(embedded, "ipv4");
}

/** The IPv4 address an IPv6 address carries by one of the well-known translations, else null. */
function embeddedIpv4(groups: readonly number[]): string | null {
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const dotted = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  const [g0, g1, g2, , g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (zero(0, 5) && (g5 === 0 || g5 === 0xffff)) return dotted(g6, g7); // ::a.b.c.d, ::ffff:a.b.c.d
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) return dotted(g6, g7); // ::ffff:0:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && zero(2, 6)) return dotted(g6, g7); // 64:ff9b::/96
  if (g0 === 0x2002) return dotted(g1, g2); // 6to4
  return null;
}

/** Eight 16-bit groups of an IPv6 literal (dotted IPv4 tail and "::" allowed). */
function expandIpv6(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split(".").map(Number);
    text = text.slice(0, dotted.index) + `${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}
