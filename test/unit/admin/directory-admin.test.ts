import { createDestination, createSubscription } from '../../../lambdas/admin/directory-admin';
import { newId } from '../../../lambdas/shared/domain/ids';
import { activeDestination, adminPorts, organization } from './admin-ports';

const request = { name: 'Lab results', url: 'https://lab.example/hook' };

/** Prepare: the fakes, with spies on every removal so a test can read what was undone, in which order. */
const setUp = () => {
  const fixture = adminPorts();
  const removals = {
    mapping: jest.spyOn(fixture.mappings, 'remove'),
    queue: jest.spyOn(fixture.queues, 'remove'),
    record: jest.spyOn(fixture.directory, 'removeDestination'),
  };
  return { ...fixture, removals, create: () => createDestination(organization.id, () => request, fixture.ports) };
};

const order = (...spies: jest.SpyInstance[]) => spies.map((spy) => spy.mock.invocationCallOrder[0]);

describe('createDestination', () => {
  it('provisions the queue, then the mapping, then answers the destination active', async () => {
    const { create, directory, queues, mappings, removals } = setUp();

    const answer = await create();

    expect(answer).toMatchObject({
      organizationId: organization.id,
      name: 'Lab results',
      url: 'https://lab.example/hook',
      status: 'active',
    });
    expect(answer.signingSecret).toMatch(/^whsec_/);
    expect([...directory.destinations.keys()]).toEqual([answer.id]);
    expect(queues.queues.size).toBe(1);
    expect([...mappings.mappings.values()]).toEqual([{ queueArn: expect.stringContaining(answer.id), enabled: true }]);
    expect([removals.mapping, removals.queue, removals.record].map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0]);
  });

  it('removes the provisioning record when the queue cannot be created, and answers 503 provisioning_failed', async () => {
    const { create, directory, queues, mappings, removals } = setUp();
    jest.spyOn(queues, 'provision').mockRejectedValue(new Error('SQS unavailable'));

    await expect(create()).rejects.toMatchObject({ statusCode: 503, code: 'provisioning_failed' });

    expect(directory.destinations.size).toBe(0);
    expect(mappings.mappings.size).toBe(0);
    expect(removals.mapping).not.toHaveBeenCalled();
    expect(removals.queue).not.toHaveBeenCalled();
    expect(removals.record).toHaveBeenCalledTimes(1);
  });

  it('removes the queue, then the record, when the mapping cannot be created', async () => {
    const { create, directory, queues, mappings, removals } = setUp();
    jest.spyOn(mappings, 'create').mockRejectedValue(new Error('TooManyRequestsException'));

    await expect(create()).rejects.toMatchObject({ statusCode: 503, code: 'provisioning_failed' });

    expect(queues.queues.size).toBe(0);
    expect(directory.destinations.size).toBe(0);
    expect(removals.mapping).not.toHaveBeenCalled();
    expect(removals.queue).toHaveBeenCalledWith(expect.stringContaining('conveyor-dst_'));
    const [queue, record] = order(removals.queue, removals.record);
    expect(queue!).toBeLessThan(record!);
  });

  it('removes the mapping, then the queue, then the record, when the destination cannot be marked provisioned', async () => {
    const { create, directory, queues, mappings, removals } = setUp();
    jest
      .spyOn(directory, 'markDestinationProvisioned')
      .mockRejectedValue(new Error('ProvisionedThroughputExceededException'));

    await expect(create()).rejects.toMatchObject({ statusCode: 503, code: 'provisioning_failed' });

    expect(mappings.mappings.size).toBe(0);
    expect(queues.queues.size).toBe(0);
    expect(directory.destinations.size).toBe(0);
    expect(removals.mapping).toHaveBeenCalledWith('mapping-1');
    const [mapping, queue, record] = order(removals.mapping, removals.queue, removals.record);
    expect(mapping! < queue! && queue! < record!).toBe(true);
  });

  it('goes on removing when one removal fails, logging what it left behind by name', async () => {
    const { create, ports, directory, queues, removals } = setUp();
    jest.spyOn(directory, 'markDestinationProvisioned').mockRejectedValue(new Error('DynamoDB unavailable'));
    removals.mapping.mockRejectedValue(new Error('ResourceInUseException'));

    await expect(create()).rejects.toMatchObject({ statusCode: 503, code: 'provisioning_failed' });

    expect(queues.queues.size).toBe(0);
    expect(directory.destinations.size).toBe(0);
    expect(ports.log.error).toHaveBeenCalledWith(
      'Could not remove the mapping of a failed provisioning',
      expect.objectContaining({
        destinationId: expect.stringMatching(/^dst_/),
        mappingId: 'mapping-1',
        errorMessage: 'ResourceInUseException',
      }),
    );
  });
});

describe('createSubscription', () => {
  /** Prepare: a source and an active destination, and a way to subscribe the one to the other. */
  const setUpRoute = async () => {
    const fixture = adminPorts();
    const source = { id: newId('source'), organizationId: organization.id, name: 'LIS', createdAt: '' };
    await fixture.directory.putSource(source);
    const destination = await activeDestination(fixture);
    const subscribe = (terms: { dataModel: string; eventType?: string }) =>
      createSubscription({ sourceId: source.id, destinationId: destination.id, ...terms }, fixture.ports);
    return { ...fixture, subscribe };
  };

  it('answers 409 subscription_exists naming the first one when the same terms come again, and creates nothing', async () => {
    const { directory, subscribe } = await setUpRoute();
    const first = await subscribe({ dataModel: 'Results', eventType: 'Final' });

    const again = subscribe({ dataModel: 'Results', eventType: 'Final' });

    await expect(again).rejects.toMatchObject({
      statusCode: 409,
      code: 'subscription_exists',
      message: expect.stringContaining(first.id),
    });
    expect([...directory.subscriptionsById.keys()]).toEqual([first.id]);
  });

  it('creates subscriptions whose terms differ in eventType, or in having one at all', async () => {
    const { directory, subscribe } = await setUpRoute();

    await subscribe({ dataModel: 'Results' });
    await subscribe({ dataModel: 'Results', eventType: 'Final' });
    await subscribe({ dataModel: 'Results', eventType: 'Preliminary' });
    await subscribe({ dataModel: 'Orders' });

    expect(directory.subscriptionsById.size).toBe(4);
    await expect(subscribe({ dataModel: 'Results' })).rejects.toMatchObject({ code: 'subscription_exists' });
  });
});
