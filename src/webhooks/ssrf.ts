/**
 * Which destinations a webhook may not reach in production (server-side request forgery): the
 * registry's own machine and network, its cloud's metadata service, and anything not globally
 * routed. Pure functions over the text of an address or a host name, so every runtime checks
 * the same way: Node at registration and again on the address each connection uses, Workers on
 * what it can see (IP literals and names; see docs/webhooks.md).
 */

/** IPv4 blocks that are not the public Internet, most specific reason first. */
const IPV4_BLOCKS: [base: string, bits: number, reason: string][] = [
  ["169.254.169.254", 32, "a cloud metadata address"],
  ["0.0.0.0", 8, "an unspecified address"],
  ["10.0.0.0", 8, "a private address"],
  ["100.64.0.0", 10, "a carrier-grade NAT address"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address"],
  ["172.16.0.0", 12, "a private address"],
  ["192.0.0.0", 24, "an IETF protocol address"],
  ["192.0.2.0", 24, "a documentation address"],
  ["192.88.99.0", 24, "a 6to4 relay address"],
  ["192.168.0.0", 16, "a private address"],
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, "a documentation address"],
  ["203.0.113.0", 24, "a documentation address"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address"],
];

/** Names that never mean a public host: they resolve inside the registry's own network. */
const INTERNAL_NAMES = /(?:^|\.)(?:localhost|local|internal|intranet|lan|home\.arpa)$/;

function ipv4Value(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function ipv4Refusal(value: number): string | undefined {
  for (const [base, bits, reason] of IPV4_BLOCKS) {
    const size = 2 ** (32 - bits);
    const start = ipv4Value(base)!;
    if (value >= start && value < start + size) return reason;
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail included), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let body = text.toLowerCase().replace(/%.*$/, "");
  const lastColon = body.lastIndexOf(":");
  const dotted = body.slice(lastColon + 1);
  if (dotted.includes(".")) {
    const v4 = ipv4Value(dotted);
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  return [...head, ...Array<string>(8 - known).fill("0"), ...rest].map((group) => Number.parseInt(group, 16));
}

function ipv6Refusal(groups: number[]): string | undefined {
  const [first, second] = groups as [number, number];
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(5) && groups[5] === 0xffff) return ipv4Refusal(groups[6]! * 65536 + groups[7]!);
  if (zeroUpTo(7) && groups[7] === 1) return "a loopback address";
  if (zeroUpTo(8)) return "an unspecified address";
  if ((first & 0xfe00) === 0xfc00) return "a unique local address";
  if ((first & 0xffc0) === 0xfe80) return "a link-local address";
  if ((first & 0xff00) === 0xff00) return "a multicast address";
  // Global unicast is 2000::/3; inside it, the blocks that tunnel to or stand for something else.
  if ((first & 0xe000) !== 0x2000) return "not a global unicast address";
  if (first === 0x2001 && second === 0x0db8) return "a documentation address";
  if (first === 0x2001 && second < 0x0200) return "an IETF protocol address (Teredo, ORCHID, benchmarking)";
  if (first === 0x2002) return "a 6to4 address";
  return undefined;
}

/** Why this IP address may not be a webhook's destination, or undefined for a public address. */
export function addressRefusal(address: string): string | undefined {
  const v4 = ipv4Value(address);
  if (v4 !== undefined) return ipv4Refusal(v4);
  const groups = ipv6Groups(address.replace(/^\[|\]$/g, ""));
  return groups ? ipv6Refusal(groups) : "not an IP address";
}

/** Whether a URL's hostname (as `new URL` gives it) is an IP literal. */
export function isIpLiteral(hostname: string): boolean {
  return ipv4Value(hostname) !== undefined || hostname.startsWith("[");
}

/**
 * Why this host may not be a webhook's destination, judged from its text alone: an IP literal by
 * its block, a name by what it can only mean (localhost, .internal, a single label that a resolver
 * would complete with the registry's own search domain). A public-looking name still has to
 * resolve to public addresses (`addressRefusal`) where the runtime can see them.
 */
export function hostRefusal(hostname: string): string | undefined {
  if (isIpLiteral(hostname)) return addressRefusal(hostname);
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (INTERNAL_NAMES.test(name)) return "an internal name";
  if (!name.includes(".")) return "a name without a domain";
  return undefined;
}
