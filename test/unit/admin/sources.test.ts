import { createSource, createSubscription } from '../../../lambdas/admin/directory-admin';
import { deleteSource, listSources } from '../../../lambdas/admin/sources';
import { deleteSubscription, listSubscriptions } from '../../../lambdas/admin/subscriptions';
import { hashApiKey } from '../../../lambdas/shared/domain/ids';
import { activeDestination, adminPorts, organization } from './admin-ports';

describe('sources and subscriptions', () => {
  it('lists sources without keys; deleting one removes its keys and subscriptions', async () => {
    const fixture = adminPorts();
    const { ports, directory } = fixture;
    const destination = await activeDestination(fixture);
    const source = await createSource(organization.id, () => ({ name: 'LIS' }), ports);
    const subscription = await createSubscription(
      { sourceId: source.id, destinationId: destination.id, dataModel: 'Results' },
      ports,
    );

    const listed = await listSources(organization.id, {}, ports);
    expect(listed.items).toEqual([
      { id: source.id, organizationId: organization.id, name: 'LIS', createdAt: expect.any(String) },
    ]);
    expect((await listSubscriptions({ sourceId: source.id }, ports)).items.map((s) => s.id)).toEqual([subscription.id]);

    expect(await deleteSource(source.id, ports)).toEqual({ id: source.id });
    expect(await directory.findApiKey(hashApiKey(source.apiKey))).toBeUndefined();
    expect((await listSubscriptions({ destinationId: destination.id }, ports)).items).toEqual([]);
    await expect(deleteSource(source.id, ports)).rejects.toMatchObject({ statusCode: 404, code: 'source_not_found' });
    await expect(deleteSubscription(subscription.id, ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'subscription_not_found',
    });
  });

  it('deletes one subscription by id', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    const source = await createSource(organization.id, () => ({ name: 'LIS' }), fixture.ports);
    const created = await createSubscription(
      { sourceId: source.id, destinationId: destination.id, dataModel: 'Results' },
      fixture.ports,
    );

    expect(await deleteSubscription(created.id, fixture.ports)).toEqual({ id: created.id });
    expect(await fixture.directory.listSubscriptionsOfSource(source.id)).toEqual([]);
  });

  it.each([
    [{ sourceId: 'dst_x' }, 'sourceId'],
    [{ destinationId: 'nope' }, 'destinationId'],
  ])('refuses the filter %j with 400 naming it', async (query, naming) => {
    await expect(listSubscriptions(query, adminPorts().ports)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(naming),
    });
  });
});
