import { BlockList, isIP } from 'node:net';
import { embeddedIpv4 } from './embedded-ipv4';
import { invalidRequest } from './errors';

/** The kinds of network an IP address can belong to (see `classifyAddress`). */
export type AddressClass = 'public' | 'private' | 'link-local';

const block = (entries: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']>) => {
  const list = new BlockList();
  for (const [network, prefix, type] of entries) list.addSubnet(network, prefix, type);
  return list;
};

// Never a destination, whatever the deployment allows: link-local ranges and the metadata endpoints.
const LINK_LOCAL = block([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
]);

// Not on the public internet: loopback, private, shared, reserved, multicast and unspecified ranges.
const PRIVATE = block([
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['::', 96, 'ipv6'],
]);

const SEVERITY: readonly AddressClass[] = ['public', 'private', 'link-local'];

/**
 * Which kind of network an IP address (v4 or v6, any textual form, brackets and zone allowed)
 * belongs to. An IPv6 address that carries an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo: see
 * `embeddedIpv4`) belongs where that IPv4 address does, the worst reading deciding when there are
 * several.
 */
export const classifyAddress = (address: string): AddressClass => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const type = isIP(bare) === 4 ? 'ipv4' : 'ipv6';
  if (LINK_LOCAL.check(bare, type)) return 'link-local';
  if (PRIVATE.check(bare, type)) return 'private';
  const embedded = type === 'ipv6' ? embeddedIpv4(bare).map(classifyAddress) : [];
  return embedded.reduce<AddressClass>(
    (worst, addressClass) => (SEVERITY.indexOf(addressClass) > SEVERITY.indexOf(worst) ? addressClass : worst),
    'public',
  );
};

/**
 * Whether a delivery may connect to addresses of these classes: every one public, or private ones
 * where the deployment allows them; link-local never (the metadata service, the Lambda runtime API).
 */
export const addressesAllowed = (addresses: readonly string[], allowPrivate: boolean): boolean => {
  const classes = addresses.map(classifyAddress);
  if (classes.length === 0 || classes.includes('link-local')) return false;
  return allowPrivate || classes.every((addressClass) => addressClass === 'public');
};

/** Which destination URLs a deployment accepts, and how it resolves their hosts. */
export interface DestinationUrlPolicy {
  /** Allow private and loopback destinations, and plain http for them (local mode, private networks). */
  readonly allowPrivate: boolean;
  /** Resolves a host name to every address it has. */
  readonly resolve: (hostname: string) => Promise<string[]>;
}

/**
 * Checks a destination URL against the contract: https, no credentials, a port other than 0, and
 * every address the host resolves to public; private and loopback (and http to them) only where
 * the deployment allows them; link-local never. Answers 400 `invalid_request` naming `url`.
 */
export const checkDestinationUrl = async (value: string, policy: DestinationUrlPolicy): Promise<URL> => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Also a port above 65535 (RFC 6335 §6: ports are 16-bit).
    throw invalidRequest('url must be an absolute https URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate)) {
    throw invalidRequest('url must use https.');
  }
  if (url.username !== '' || url.password !== '') throw invalidRequest('url must not contain credentials.');
  // The URL parser already refuses ports above 65535; any other port is one a server may listen on.
  if (url.port === '0') throw invalidRequest('url has port 0, which no server listens on.');
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(hostname) ? [hostname] : await policy.resolve(hostname);
  } catch {
    throw invalidRequest('url has a host name that does not resolve.');
  }
  if (addresses.length === 0) throw invalidRequest('url has a host name that does not resolve.');
  const classes = addresses.map(classifyAddress);
  if (classes.includes('link-local'))
    throw invalidRequest('url resolves to a link-local address, which is never allowed.');
  const allPublic = classes.every((addressClass) => addressClass === 'public');
  if (!allPublic && !policy.allowPrivate) throw invalidRequest('url resolves to a private or loopback address.');
  if (url.protocol === 'http:' && allPublic)
    throw invalidRequest('url must use https (http is allowed only for private addresses).');
  return url;
};
