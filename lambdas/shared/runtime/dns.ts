import { lookup } from 'node:dns/promises';

/** Every address a host name resolves to (IPv4 and IPv6), as the destination URL check needs. */
export const resolveAllAddresses = async (hostname: string): Promise<string[]> =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
