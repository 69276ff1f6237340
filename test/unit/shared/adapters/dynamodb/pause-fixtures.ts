/** A first pause of destination `dst_1` and the episode it starts, for the tests that record pauses. */
import type { Pause, PauseEpisode } from '../../../../../lambdas/shared/domain/model';

/** A pause whose head is `headTransmissionId` of `headMessageId` (by default `trn_1` of `msg_1`). */
export const pauseOf = (headMessageId = 'msg_1', headTransmissionId = 'trn_1'): Pause => ({
  pausedAt: '2026-01-01T00:00:00.000Z',
  reason: 'HTTP 503',
  fault: 'destination',
  alertedOrganizationId: 'org_1',
  headTransmissionId,
  headMessageId,
  probeStep: 0,
  nextRetryAt: '2026-01-01T00:01:00.000Z',
});

/** The episode a first pause starts. */
export const firstEpisode: PauseEpisode = {
  version: 'v2',
  startedAt: '2026-01-01T00:00:00.000Z',
  firstReason: 'HTTP 503',
  pauses: 1,
  alertedOrganizationId: 'org_1',
  announced: true,
  recentStarts: ['2026-01-01T00:00:00.000Z'],
};
