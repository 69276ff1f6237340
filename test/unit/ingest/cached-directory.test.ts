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
  it('reads an API key on every request, so a deleted source is refused at once even by a warm function', async () => {
    const { cached, findSource } = setUp();

    expect(await cached.findApiKey('hash')).toEqual({ source });
    findSource.mockResolvedValueOnce(undefined);
    expect(await cached.findApiKey('hash')).toBeUndefined();
    expect(findSource).toHaveBeenCalledTimes(2);
  });

  it('does not remember an unknown key, so a key issued a moment later works at once', async () => {
    const { cached, findSource } = setUp();
    findSource.mockResolvedValueOnce(undefined);

    expect(await cached.findApiKey('new')).toBeUndefined();
    expect(await cached.findApiKey('new')).toEqual({ source });
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
