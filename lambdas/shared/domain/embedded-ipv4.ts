/**
 * The IPv4 addresses that an IPv6 address stands for: a packet sent to an IPv4-mapped, NAT64, 6to4
 * or Teredo address ends up at the IPv4 address inside it, so that address decides whether a
 * destination may be reached (see `classifyAddress`).
 */

/** The 16 bytes of an IPv6 address in any textual form, or undefined when it is not one. */
const ipv6Bytes = (address: string): number[] | undefined => {
  let canonical: string;
  try {
    // The WHATWG serializer (RFC 5952) turns every textual form — expanded, compressed, mixed
    // dotted, upper case — into lower-case hex groups with at most one `::`.
    canonical = new URL(`http://[${address}]`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const groupsOf = (text: string) => (text === '' ? [] : text.split(':').map((group) => parseInt(group, 16)));
  const headGroups = groupsOf(head);
  const tailGroups = tail === undefined ? [] : groupsOf(tail);
  const groups = [...headGroups, ...new Array(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
};

const dotted = (bytes: readonly number[]) => bytes.join('.');
const allZero = (bytes: readonly number[]) => bytes.every((byte) => byte === 0);

/**
 * Where RFC 6052 §2.2 puts the IPv4 address after a prefix of each length a local-use NAT64 prefix
 * (inside 64:ff9b:1::/48) may have: byte 8 (bits 64–71) is skipped and must be zero, and the bytes
 * after the IPv4 address (the suffix) are zero.
 */
const RFC6052_LAYOUTS: ReadonlyArray<{ readonly ipv4: readonly number[]; readonly zero: readonly number[] }> = [
  { ipv4: [6, 7, 9, 10], zero: [8, 11, 12, 13, 14, 15] },
  { ipv4: [7, 9, 10, 11], zero: [8, 12, 13, 14, 15] },
  { ipv4: [9, 10, 11, 12], zero: [8, 13, 14, 15] },
  { ipv4: [12, 13, 14, 15], zero: [] },
];

interface Embedding {
  /** The first bytes of the range. */
  readonly prefix: readonly number[];
  /** Every IPv4 address an address of the range may stand for. */
  readonly ipv4: (bytes: readonly number[]) => string[];
}

const lastFour = (bytes: readonly number[]) => [dotted(bytes.slice(12))];

const EMBEDDINGS: readonly Embedding[] = [
  // IPv4-mapped, ::ffff:0:0/96 (RFC 4291 §2.5.5.2): the socket connects over IPv4.
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], ipv4: lastFour },
  // IPv4-translated, ::ffff:0:0:0/96 (RFC 2765 §2.1).
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], ipv4: lastFour },
  // NAT64 well-known prefix, 64:ff9b::/96 (RFC 6052 §2.1): the last 32 bits.
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], ipv4: lastFour },
  // NAT64 local-use prefix, 64:ff9b:1::/48 (RFC 8215): the network picks the prefix length, so
  // every layout whose fixed zero bytes are zero is a reading, and the worst reading decides.
  {
    prefix: [0, 0x64, 0xff, 0x9b, 0, 1],
    ipv4: (bytes) =>
      RFC6052_LAYOUTS.filter((layout) => allZero(layout.zero.map((index) => bytes[index] ?? 0))).map((layout) =>
        dotted(layout.ipv4.map((index) => bytes[index] ?? 0)),
      ),
  },
  // 6to4, 2002::/16 (RFC 3056 §2): bits 16–47.
  { prefix: [0x20, 0x02], ipv4: (bytes) => [dotted(bytes.slice(2, 6))] },
  // Teredo, 2001::/32 (RFC 4380 §4): the client's address is the last 32 bits, inverted.
  { prefix: [0x20, 0x01, 0, 0], ipv4: (bytes) => [dotted(bytes.slice(12).map((byte) => byte ^ 0xff))] },
];

/**
 * The IPv4 addresses (dotted) that an IPv6 address (any textual form, without brackets or zone)
 * stands for: one for IPv4-mapped, IPv4-translated, NAT64 (64:ff9b::/96), 6to4 and Teredo (the
 * client) addresses, one per possible RFC 6052 layout for the local-use NAT64 prefix
 * (64:ff9b:1::/48); none for any other address, or for text that is not an IPv6 address.
 */
export const embeddedIpv4 = (address: string): string[] => {
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return [];
  const embedding = EMBEDDINGS.find(({ prefix }) => prefix.every((byte, index) => bytes[index] === byte));
  return embedding === undefined ? [] : embedding.ipv4(bytes);
};
