import type { Subscription } from '../../../../lambdas/shared/domain/model';
import { route } from '../../../../lambdas/shared/domain/routing';

const subscription = (destinationId: string, dataModel: string, eventType?: string): Subscription => ({
  id: `sub_${destinationId}`,
  sourceId: 'src_1',
  destinationId,
  dataModel,
  eventType,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('route', () => {
  const subscriptions = [
    subscription('dst_a', 'PatientAdmin'),
    subscription('dst_b', 'PatientAdmin', 'Arrival'),
    subscription('dst_c', 'PatientAdmin', 'Discharge'),
    subscription('dst_d', 'Order'),
    subscription('dst_a', 'PatientAdmin', 'Arrival'),
  ];

  it('fans out to every destination a covering subscription points to, once each', () => {
    const routed = route({ dataModel: 'PatientAdmin', eventType: 'Arrival' }, subscriptions);
    expect(routed).toEqual({ destinationIds: ['dst_a', 'dst_b'], uncovered: [] });
  });

  it('matches a subscription without an event type to every event type of its data model', () => {
    expect(route({ dataModel: 'PatientAdmin', eventType: 'Transfer' }, subscriptions).destinationIds).toEqual([
      'dst_a',
    ]);
  });

  it('finds nothing for a data model no subscription names', () => {
    expect(route({ dataModel: 'Results', eventType: 'New' }, subscriptions).destinationIds).toEqual([]);
  });

  it('keeps explicitly named destinations in the order named and reports those not covered', () => {
    const routed = route(
      { dataModel: 'PatientAdmin', eventType: 'Arrival', destinations: ['dst_b', 'dst_d', 'dst_a', 'dst_x'] },
      subscriptions,
    );
    expect(routed).toEqual({ destinationIds: ['dst_b', 'dst_a'], uncovered: ['dst_d', 'dst_x'] });
  });
});
