import type { ApiError } from '../../../../lambdas/shared/domain/errors';
import { checkDestinationUrl, classifyAddress } from '../../../../lambdas/shared/domain/destination-url';
import { embeddedIpv4 } from '../../../../lambdas/shared/domain/embedded-ipv4';

const resolvingTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

const refusal = async (url: string, allowPrivate: boolean, resolve = resolvingTo('93.184.216.34')) => {
  try {
    await checkDestinationUrl(url, { allowPrivate, resolve });
  } catch (error) {
    return { status: (error as ApiError).statusCode, message: (error as ApiError).message };
  }
  return undefined;
};

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'link-local'],
    ['::ffff:93.184.216.34', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  /**
   * IPv6 addresses that carry an IPv4 address, in every textual form (compressed, expanded with
   * leading zeros, upper case, mixed dotted, bracketed, with a zone): each is where its IPv4 is.
   */
  it.each([
    // IPv4-mapped, ::ffff:0:0/96
    ['mapped, dotted', '::ffff:10.0.0.1', 'private'],
    ['mapped, hex', '::ffff:a00:1', 'private'],
    ['mapped, expanded', '0:0:0:0:0:ffff:0a00:0001', 'private'],
    ['mapped, fully padded', '0000:0000:0000:0000:0000:FFFF:0A00:0001', 'private'],
    ['mapped, expanded and dotted', '0:0:0:0:0:ffff:10.0.0.1', 'private'],
    ['mapped, bracketed with a zone', '[::ffff:127.0.0.1%eth0]', 'private'],
    ['mapped, the metadata endpoint in hex', '0:0:0:0:0:FFFF:A9FE:A9FE', 'link-local'],
    ['mapped, public, expanded', '0:0:0:0:0:ffff:5db8:d822', 'public'],
    // IPv4-translated, ::ffff:0:0:0/96
    ['translated, dotted', '::ffff:0:10.0.0.1', 'private'],
    ['translated, hex', '::ffff:0:a9fe:a9fe', 'link-local'],
    ['translated, public', '::ffff:0:93.184.216.34', 'public'],
    // NAT64 well-known prefix, 64:ff9b::/96
    ['NAT64, dotted', '64:ff9b::10.0.0.1', 'private'],
    ['NAT64, hex', '64:ff9b::a00:1', 'private'],
    ['NAT64, expanded upper case', '0064:FF9B:0000:0000:0000:0000:0A00:0001', 'private'],
    ['NAT64, expanded and dotted', '64:ff9b:0:0:0:0:127.0.0.1', 'private'],
    ['NAT64, the metadata endpoint', '64:ff9b::169.254.169.254', 'link-local'],
    ['NAT64, carrier-grade NAT', '64:ff9b::100.64.0.1', 'private'],
    ['NAT64, public, dotted', '64:ff9b::93.184.216.34', 'public'],
    ['NAT64, public, hex', '64:FF9B::5DB8:D822', 'public'],
    // NAT64 local-use prefix, 64:ff9b:1::/48 (RFC 8215), any RFC 6052 layout
    ['local-use NAT64, /96 layout', '64:ff9b:1::10.0.0.1', 'private'],
    ['local-use NAT64, /96 layout with a subnet', '64:ff9b:1:abcd:0:1:a9fe:a9fe', 'link-local'],
    ['local-use NAT64, /48 layout', '64:ff9b:1:a00:0:100::', 'private'],
    ['local-use NAT64, /64 layout of 169.254.169.254', '64:ff9b:1:0:a9:fea9:fe00:0', 'link-local'],
    ['local-use NAT64, public, /96 layout', '64:ff9b:1::93.184.216.34', 'public'],
    ['local-use NAT64, public, /96 layout with a subnet', '64:ff9b:1:ffff:ffff:ffff:5db8:d822', 'public'],
    // 6to4, 2002::/16: the IPv4 in bits 16–47
    ['6to4 of 10.0.0.1', '2002:a00:1::1', 'private'],
    ['6to4, expanded upper case', '2002:0A00:0001:0000:0000:0000:0000:0001', 'private'],
    ['6to4 of 192.168.1.1 with a subnet and host', '2002:c0a8:101:ff::abcd', 'private'],
    ['6to4 of 127.0.0.1, dotted tail', '2002:7f00:1::1.2.3.4', 'private'],
    ['6to4 of the metadata endpoint', '2002:a9fe:a9fe::', 'link-local'],
    ['6to4, public', '2002:5db8:d822::1', 'public'],
    // Teredo, 2001::/32: the client's IPv4 is the last 32 bits inverted (the server's is ignored)
    ['Teredo, client 10.0.0.1', '2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'],
    ['Teredo, client 127.0.0.1, expanded', '2001:0000:4136:E378:8000:63BF:80FF:FFFE', 'private'],
    ['Teredo, client 169.254.169.254', '2001::5601:5601', 'link-local'],
    ['Teredo, client public, server private', '2001:0:a00:1:8000:63bf:a247:27dd', 'public'],
    // Not embeddings: near misses stay public
    ['a public address next to 6to4', '2003:a00:1::1', 'public'],
    ['a public address next to Teredo', '2001:1::f5ff:fffe', 'public'],
    ['a public address next to NAT64', '64:ff9c::a00:1', 'public'],
    ['a public address next to local-use NAT64', '64:ff9b:2::a00:1', 'public'],
  ])('%s: %s is %s', (_form, address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:10.0.0.1', ['10.0.0.1']],
    ['0:0:0:0:0:FFFF:0A00:0001', ['10.0.0.1']],
    ['64:ff9b::93.184.216.34', ['93.184.216.34']],
    ['2002:c0a8:101::', ['192.168.1.1']],
    ['2001:0:4136:e378:8000:63bf:a247:27dd', ['93.184.216.34']],
    // Local-use NAT64: a reading for every layout whose zero bytes are zero (/48, /56, /64, /96).
    ['64:ff9b:1:5db8:d8:2200::', ['93.184.216.34', '184.216.34.0', '216.34.0.0', '0.0.0.0']],
    ['64:ff9b:1::5db8:d822', ['93.184.216.34']],
    ['2606:4700::1111', []],
    ['10.0.0.1', []],
    ['not an address', []],
  ])('%s stands for %j', (address, expected) => {
    expect(embeddedIpv4(address)).toEqual(expected);
  });
});

describe('checkDestinationUrl', () => {
  it('accepts https to a public address', async () => {
    expect(await refusal('https://receiver.example/hook', false)).toBeUndefined();
  });

  it.each([
    ['not a URL', 'receiver.example/hook', 'url must be an absolute https URL.'],
    ['http', 'http://receiver.example/hook', 'url must use https.'],
    ['ftp', 'ftp://receiver.example/hook', 'url must use https.'],
    ['credentials', 'https://user:pw@receiver.example/hook', 'url must not contain credentials.'],
    ['port 0', 'https://receiver.example:0/hook', 'url has port 0, which no server listens on.'],
    ['port 0 written 00', 'https://receiver.example:00/hook', 'url has port 0, which no server listens on.'],
    ['a port above 65535', 'https://receiver.example:65536/hook', 'url must be an absolute https URL.'],
    ['a negative port', 'https://receiver.example:-1/hook', 'url must be an absolute https URL.'],
  ])('refuses %s', async (_case, url, message) => {
    expect(await refusal(url, false)).toEqual({ status: 400, message });
  });

  it.each([
    ['an HL7 engine port', 'https://engine.example:6661/hook'],
    ['a port browsers block (fetch bad port, IRC)', 'https://engine.example:6667/hook'],
    ['port 1', 'https://engine.example:1/hook'],
    ['port 65535', 'https://engine.example:65535/hook'],
    ['the default port written out', 'https://engine.example:443/hook'],
  ])('accepts %s', async (_case, url) => {
    expect(await refusal(url, false)).toBeUndefined();
  });

  it('refuses port 0 also where private destinations are allowed, before any look-up', async () => {
    const resolve = jest.fn(resolvingTo('127.0.0.1'));
    expect(await refusal('http://127.0.0.1:0/hook', true, resolve)).toMatchObject({
      message: expect.stringContaining('port 0'),
    });
    expect(await refusal('http://localhost:0/hook', true, resolve)).toMatchObject({ status: 400 });
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses a host resolving to a 6to4, NAT64 or Teredo address of a private or link-local one', async () => {
    for (const address of ['2002:a00:1::1', '64:ff9b::a00:1', '64:ff9b:1::a00:1', '2001::f5ff:fffe']) {
      expect(await refusal('https://rebind.example/', false, resolvingTo(address))).toMatchObject({
        message: expect.stringContaining('private'),
      });
    }
    expect(await refusal('https://[2002:a9fe:a9fe::1]/', true)).toMatchObject({
      message: expect.stringContaining('link-local'),
    });
    expect(await refusal('https://[64:ff9b::5db8:d822]/', false)).toBeUndefined();
  });

  it('refuses a host with any private address unless the deployment allows them', async () => {
    const resolve = resolvingTo('93.184.216.34', '10.0.0.5');
    expect(await refusal('https://mixed.example/', false, resolve)).toMatchObject({
      message: expect.stringContaining('private'),
    });
    expect(await refusal('https://mixed.example/', true, resolve)).toBeUndefined();
  });

  it('allows http to loopback only where private destinations are allowed', async () => {
    expect(await refusal('http://127.0.0.1:9000/hook', true)).toBeUndefined();
    expect(await refusal('http://127.0.0.1:9000/hook', false)).toMatchObject({ status: 400 });
    expect(await refusal('http://[::1]:9000/hook', true)).toBeUndefined();
    expect(await refusal('http://receiver.example/hook', true)).toMatchObject({
      message: expect.stringContaining('https'),
    });
  });

  it('refuses link-local and metadata addresses always', async () => {
    expect(await refusal('https://169.254.169.254/latest', true)).toMatchObject({
      message: expect.stringContaining('link-local'),
    });
    expect(await refusal('https://rebind.example/', true, resolvingTo('169.254.169.254'))).toMatchObject({
      status: 400,
    });
    expect(await refusal('http://[fe80::1]/', true)).toMatchObject({ status: 400 });
  });

  it('refuses a host that does not resolve', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await refusal('https://nowhere.invalid/', false, failing)).toMatchObject({
      message: expect.stringContaining('does not resolve'),
    });
  });
});
