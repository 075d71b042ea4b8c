import assert from "node:assert/strict";
import { test } from "node:test";
import { isPrivateAddress } from "./address-guard.ts";

const cases: ReadonlyArray<readonly [address: string, refused: boolean]> = [
  ["127.0.0.1", true],
  ["127.255.0.9", true],
  ["10.1.2.3", true],
  ["172.16.0.1", true],
  ["172.31.255.255", true],
  ["172.32.0.1", false],
  ["192.168.1.1", true],
  ["169.254.169.254", true], // AWS, GCP, Azure metadata
  ["100.100.100.200", true], // Alibaba metadata
  ["0.0.0.0", true],
  ["224.0.0.1", true],
  ["255.255.255.255", true],
  ["8.8.8.8", false],
  ["93.184.216.34", false],
  ["::1", true],
  ["::", true],
  ["fe80::1", true],
  ["fd00:ec2::254", true], // AWS metadata over IPv6
  ["fc00::1", true],
  ["ff02::1", true],
  ["::ffff:127.0.0.1", true],
  ["::ffff:169.254.169.254", true],
  ["::ffff:8.8.8.8", false],
  ["64:ff9b::a9fe:a9fe", true], // NAT64 of 169.254.169.254
  ["64:ff9b::8.8.8.8", false],
  ["2606:4700:4700::1111", false],
  ["2001:db8::1", true],
  ["::127.0.0.1", true], // IPv4-compatible
  ["::a9fe:a9fe", true],
  ["::8.8.8.8", false],
  ["::ffff:0:127.0.0.1", true], // SIIT
  ["::ffff:0:8.8.8.8", false],
  ["2002:a9fe:a9fe::", true], // 6to4 of 169.254.169.254
  ["2002:7f00:1::1", true],
  ["2002:0808:0808::1", false],
  ["64:ff9b::127.0.0.1", true],
  ["64:ff9b:1::a9fe:a9fe", true], // local-use NAT64: never public
  ["64:ff9b:1:2::8.8.8.8", true],
  ["not an address", true],
];

test("address guard: private, loopback, link-local, unique-local and metadata addresses are refused", () => {
  for (const [address, refused] of cases) assert.equal(isPrivateAddress(address), refused, address);
});
