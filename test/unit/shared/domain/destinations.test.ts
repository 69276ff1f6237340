import {
  DestinationStateError,
  isPaused,
  isProvisioned,
  isRemoved,
  requirePaused,
  requireProvisioned,
} from '../../../../lambdas/shared/domain/destinations';
import type { Destination, PausedDestination } from '../../../../lambdas/shared/domain/model';

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
const queue = { queueUrl: 'https://sqs/queue', queueArn: 'arn:queue', mappingId: 'mapping-1' };
const provisioning: Destination = { ...settings, status: 'provisioning' };
const active: Destination = { ...settings, ...queue, status: 'active' };
const paused: PausedDestination = {
  ...settings,
  ...queue,
  status: 'paused',
  pause: {
    pausedAt: '2025-01-01T00:00:00.000Z',
    reason: 'HTTP 503',
    fault: 'destination',
    alertedOrganizationId: 'org_1',
    headTransmissionId: 'trn_1_0',
    headMessageId: 'msg_1',
    probeStep: 0,
    nextRetryAt: '2025-01-01T00:00:05.000Z',
  },
};
// What a store could return were its writes ever torn (the types rule it out; the guards check).
const pausedWithoutPause = { ...active, status: 'paused' } as unknown as Destination;
const activeWithoutQueue = { ...settings, status: 'active' } as unknown as Destination;

describe('destination states', () => {
  it('calls a destination provisioned once it has its queue', () => {
    expect([provisioning, active, paused, activeWithoutQueue].map(isProvisioned)).toEqual([false, true, true, false]);
    expect(requireProvisioned(active)).toBe(active);
    expect(() => requireProvisioned(provisioning)).toThrow(DestinationStateError);
    expect(() => requireProvisioned(activeWithoutQueue)).toThrow(
      'Destination dst_1 was expected to be provisioned (with a queue and a mapping) but is not',
    );
  });

  it('calls a destination paused only with its pause record', () => {
    expect([provisioning, active, paused, pausedWithoutPause].map(isPaused)).toEqual([false, false, true, false]);
    expect(requirePaused(paused)).toBe(paused);
    expect(() => requirePaused(active)).toThrow(DestinationStateError);
    expect(() => requirePaused(pausedWithoutPause)).toThrow(
      'Destination dst_1 was expected to be paused (with a pause record) but is not',
    );
  });
});

describe('the deletion states', () => {
  const deleting: Destination = { ...settings, ...queue, status: 'deleting', deletingAt: '', forced: false };
  const { signingSecret: _secret, ...withoutSecret } = settings;
  const deleted: Destination = { ...withoutSecret, status: 'deleted', deletingAt: '', deletedAt: '', forced: true };

  it('counts a destination being deleted or deleted as removed, and never as provisioned, although it keeps its queue ids', () => {
    expect([deleting, deleted].map(isRemoved)).toEqual([true, true]);
    expect([provisioning, active, paused].map(isRemoved)).toEqual([false, false, false]);
    expect([deleting, deleted].map(isProvisioned)).toEqual([false, false]);
    expect(() => requireProvisioned(deleting)).toThrow(DestinationStateError);
  });
});
