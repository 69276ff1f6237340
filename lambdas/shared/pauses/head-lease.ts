import { randomUUID } from 'node:crypto';
import { requirePaused } from '../domain/destinations';
import type { Destination, PausedDestination } from '../domain/model';
import { errorFields } from '../runtime/logging';
import type { PausePorts } from './pause-ports';

/** Extends the head lease before the next step of a long turn; throws when the lease was lost. */
export type KeepHeadHeld = () => Promise<void>;

/** Room in a head lease beyond one attempt at the destination's timeout, in ms. */
export const HEAD_LEASE_MARGIN_MS = 5000;

/**
 * Runs `work` while holding the head lease of `destination` (as its caller last read it), on a
 * fresh read of the destination taken once the lease is held. The lease lasts one attempt at the
 * destination's timeout plus `HEAD_LEASE_MARGIN_MS`; a longer turn (the spill, the resume after an
 * attempt) extends it before each step, so a worker that dies leaves the head to others within
 * that much time, and one that lives never loses it halfway.
 *
 * Answers `not_paused` when the destination is not paused (before or after taking the lease),
 * `busy` when another worker holds the lease, else what `work` returns. The lease is released
 * whatever `work` does; what `work` throws is thrown.
 */
export const withHeadHeld = async <T>(
  destination: Destination,
  ports: PausePorts,
  work: (destination: PausedDestination, keepHeld: KeepHeadHeld) => Promise<T>,
): Promise<T | 'busy' | 'not_paused'> => {
  const holder = randomUUID();
  const destinationId = destination.id;
  if (destination.status !== 'paused') return 'not_paused';
  const leaseMs = destination.timeoutMs + HEAD_LEASE_MARGIN_MS;
  if (!(await ports.destinationState.holdHead(destinationId, holder, leaseMs))) return 'busy';
  const keepHeld: KeepHeadHeld = async () => {
    if (!(await ports.destinationState.holdHead(destinationId, holder, leaseMs)))
      throw new Error(`Lost the head lease of destination ${destinationId}`);
  };
  try {
    const current = await ports.directory.getDestination(destinationId);
    if (!current || current.status !== 'paused') return 'not_paused';
    // The item is cast, not parsed: a paused destination without its pause record fails here, by name.
    return await work(requirePaused(current), keepHeld);
  } finally {
    await ports.destinationState.releaseHead(destinationId, holder).catch((error: unknown) =>
      ports.log.warn('Could not release the head lease; it runs out by itself', {
        destinationId,
        ...errorFields(error),
      }),
    );
  }
};
