import { rollUpStatus } from '../../../../lambdas/shared/domain/status';

describe('rollUpStatus', () => {
  it.each([
    [['delivered', 'delivered'], 'delivered'],
    [['delivered', 'paused', 'queued'], 'paused'],
    [['skipped', 'paused'], 'paused'],
    [['skipped', 'delivered'], 'skipped'],
    [['skipped'], 'skipped'],
    [['skipped', 'queued'], 'queued'],
    [['delivered', 'queued'], 'partially_delivered'],
    [['delivered', 'skipped', 'queued'], 'partially_delivered'],
    [['queued', 'queued'], 'queued'],
    // cancelled (its destination deleted while it waited) counts as skipped
    [['cancelled'], 'skipped'],
    [['cancelled', 'delivered'], 'skipped'],
    [['cancelled', 'skipped', 'delivered'], 'skipped'],
    [['cancelled', 'paused'], 'paused'],
    [['cancelled', 'queued'], 'queued'],
  ] as const)('rolls %j up to %s', (statuses, expected) => {
    expect(rollUpStatus(statuses)).toBe(expected);
  });
});
