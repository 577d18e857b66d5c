import { BlockList, isIP } from 'node:net';

/**
 * Addresses a user-supplied URL must not reach (SSRF): loopback, private, link-local (cloud
 * metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and documentation
 * ranges. IPv4 embedded in IPv6 (mapped, NAT64) is checked as the IPv4 address it carries.
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (any spelling: compressed, dotted tail). */
function ipv6Groups(address: string): number[] | undefined {
  // The WHATWG URL parser canonicalises every IPv6 spelling (dotted tails become hex groups).
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries, if any: IPv4-mapped (::ffff:0:0/96), -translated
 * (::ffff:0:0:0/96), -compatible (::/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4
 * (2002::/16). Each can reach the IPv4 host it embeds, so it is judged as that host.
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && g5 === 0xffff) return v4(g6, g7); // mapped
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return v4(g6, g7); // translated
  if (zeroUpTo(6) && (g6 !== 0 || g7 > 1)) return v4(g6, g7); // compatible (not :: or ::1)
  if (g0 === 0x64 && g1 === 0xff9b && (g2 === 0 || g2 === 1) && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4(g6, g7); // NAT64, well-known and local-use prefixes
  }
  if (g0 === 0x2002) return v4(g1, g2); // 6to4
  return undefined;
}

/** True for addresses that are not publicly routable; non-IP strings count as private. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return blocked.check(v4, 'ipv4');
    return blocked.check(bare, 'ipv6');
  }
  return true;
}
