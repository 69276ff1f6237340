import type { ApiError } from '../../../../lambdas/shared/domain/errors';
import { checkDestinationUrl, classifyAddress } from '../../../../lambdas/shared/domain/destination-url';

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
  ])('refuses %s', async (_case, url, message) => {
    expect(await refusal(url, false)).toEqual({ status: 400, message });
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
