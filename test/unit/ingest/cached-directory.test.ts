import type { ActiveDestination, Destination, Source } from '../../../lambdas/shared/domain/model';
import { CachedDirectory } from '../../../lambdas/ingest/cached-directory';
import { MemoryDirectory } from '../../fixtures/memory-store';

const source: Source = { id: 'src_1', organizationId: 'org_1', name: 'EHR', createdAt: '' };
const destination = (queueUrl?: string): Destination => {
  const settings = {
    id: 'dst_1',
    organizationId: 'org_1',
    name: 'Lab',
    url: 'https://lab.example/hook',
    timeoutMs: 5000,
    inlineRetries: 2,
    signingSecret: 'whsec_x',
    createdAt: '',
  };
  return queueUrl
    ? { ...settings, status: 'active', queueUrl, queueArn: 'arn', mappingId: 'mapping-1' }
    : { ...settings, status: 'provisioning' };
};

const setUp = () => {
  let now = 0;
  const directory = new MemoryDirectory();
  const findSource = jest.spyOn(directory, 'findApiKey').mockResolvedValue({ source });
  const getDestination = jest.spyOn(directory, 'getDestination');
  const cached = new CachedDirectory(directory, 30_000, () => new Date(now));
  return { directory, cached, findSource, getDestination, advance: (ms: number) => (now += ms) };
};

describe('CachedDirectory', () => {
  it('reads an API key on every request (memory never decides): a deleted source’s key reads as missing at once', async () => {
    const { cached, findSource } = setUp();

    expect(await cached.findApiKey('hash')).toEqual({ source });
    findSource.mockResolvedValueOnce(undefined);
    expect(await cached.findApiKey('hash')).toBeUndefined();
    expect(findSource).toHaveBeenCalledTimes(2);
  });

  it('remembers a key found, with its grace period, for the TTL, without reading the store', async () => {
    const { cached, findSource, advance } = setUp();
    findSource.mockResolvedValueOnce({ source, validUntil: '2026-11-27T10:00:00.000Z' });

    expect(cached.rememberedApiKey('hash')).toBeUndefined();
    await cached.findApiKey('hash');
    advance(29_999);
    expect(cached.rememberedApiKey('hash')).toEqual({ source, validUntil: '2026-11-27T10:00:00.000Z' });
    advance(1);
    expect(cached.rememberedApiKey('hash')).toBeUndefined();
    expect(findSource).toHaveBeenCalledTimes(1);
  });

  it('keeps a key remembered from its latest read: each read starts the TTL again and records what it found', async () => {
    const { cached, findSource, advance } = setUp();
    await cached.findApiKey('hash');
    advance(20_000);
    findSource.mockResolvedValueOnce({ source, validUntil: '2026-11-26T11:00:00.000Z' });
    await cached.findApiKey('hash');
    advance(20_000);

    expect(cached.rememberedApiKey('hash')).toEqual({ source, validUntil: '2026-11-26T11:00:00.000Z' });
  });

  it('does not remember an unknown key, and forgets a remembered one the store no longer has', async () => {
    const { cached, findSource } = setUp();
    findSource.mockResolvedValueOnce(undefined);
    await cached.findApiKey('unknown');
    await cached.findApiKey('deleted');
    findSource.mockResolvedValueOnce(undefined);

    expect(await cached.findApiKey('deleted')).toBeUndefined();

    expect(cached.rememberedApiKey('unknown')).toBeUndefined();
    expect(cached.rememberedApiKey('deleted')).toBeUndefined();
  });

  it('does not remember an unknown key, so a key issued a moment later works at once', async () => {
    const { cached, findSource } = setUp();
    findSource.mockResolvedValueOnce(undefined);

    expect(await cached.findApiKey('new')).toBeUndefined();
    expect(await cached.findApiKey('new')).toEqual({ source });
  });

  it('forgets every key once it holds 10,000, so the map stays bounded', async () => {
    const { cached } = setUp();
    for (let n = 0; n < 10_000; n++) await cached.findApiKey(`hash-${n}`);
    expect(cached.rememberedApiKey('hash-0')).toEqual({ source });
    expect(cached.rememberedApiKey('hash-9999')).toEqual({ source });

    // A key read again keeps its place; a new one clears the map first.
    await cached.findApiKey('hash-0');
    expect(cached.rememberedApiKey('hash-9999')).toEqual({ source });
    await cached.findApiKey('hash-10000');

    expect(cached.rememberedApiKey('hash-0')).toBeUndefined();
    expect(cached.rememberedApiKey('hash-9999')).toBeUndefined();
    expect(cached.rememberedApiKey('hash-10000')).toEqual({ source });
  });

  it('remembers a provisioned destination but not one still being provisioned', async () => {
    const { directory, cached, getDestination } = setUp();
    await directory.putDestination(destination());

    expect((await cached.getDestination('dst_1'))?.status).toBe('provisioning');
    await directory.putDestination(destination('https://sqs/queue'));
    expect((await cached.getDestination('dst_1'))?.queueUrl).toBe('https://sqs/queue');
    expect((await cached.getDestination('dst_1'))?.queueUrl).toBe('https://sqs/queue');
    expect(getDestination).toHaveBeenCalledTimes(2);
  });

  it('always reads subscriptions, so routing changes apply at once', async () => {
    const { directory, cached } = setUp();
    const listSubscriptions = jest.spyOn(directory, 'listSubscriptionsOfSource');

    await cached.listSubscriptionsOfSource('src_1');
    await cached.listSubscriptionsOfSource('src_1');
    expect(listSubscriptions).toHaveBeenCalledTimes(2);
  });
});

describe('CachedDirectory.getDestinationNow', () => {
  it('reads the store even while a destination is remembered, and forgets the remembered copy', async () => {
    const { directory, cached, getDestination } = setUp();
    await directory.putDestination(destination('queue-1'));
    await cached.getDestination('dst_1');
    const { signingSecret: _secret, ...settings } = destination('queue-1') as ActiveDestination;
    await directory.putDestination({ ...settings, status: 'deleted', deletingAt: '', deletedAt: '', forced: false });

    expect(await cached.getDestinationNow('dst_1')).toMatchObject({ status: 'deleted' });
    // Not remembered either way: the next cached read goes to the store too.
    expect(await cached.getDestination('dst_1')).toMatchObject({ status: 'deleted' });
    expect(getDestination).toHaveBeenCalledTimes(3);
  });
});
