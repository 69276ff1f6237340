/**
 * Narrowing a destination to the state a use case needs. The stores return destinations as they
 * were written (cast, not parsed); these guards check the fields the state promises, so a use case
 * reads `destination.pause` or `destination.queueUrl` without a `!`.
 */
import type { Destination, PausedDestination, ProvisionedDestination, RemovedDestination } from './model';

/**
 * A destination was found in a state its store's writes never leave it in (for example listed as
 * paused without being paused). Not an API error: it is answered as a 500 and logged by name.
 */
export class DestinationStateError extends Error {
  constructor(
    readonly destinationId: string,
    expected: string,
  ) {
    super(`Destination ${destinationId} was expected to be ${expected} but is not`);
    this.name = 'DestinationStateError';
  }
}

/**
 * True while the destination has its queue and mapping and is in use (status `active`, `paused`
 * or `unverified`); false while it is being provisioned, being deleted or deleted.
 */
export const isProvisioned = (destination: Destination): destination is ProvisionedDestination =>
  (destination.status === 'active' || destination.status === 'paused' || destination.status === 'unverified') &&
  destination.queueUrl !== undefined;

/**
 * True once the destination's deletion was recorded (status `deleting` or `deleted`): nothing may
 * deliver to it, probe it, pause it or change its mapping, and its waiting transmissions are
 * cancelled.
 */
export const isRemoved = (destination: Destination): destination is RemovedDestination =>
  destination.status === 'deleting' || destination.status === 'deleted';

/** True while the destination is paused (its pause record says why and since when). */
export const isPaused = (destination: Destination): destination is PausedDestination =>
  destination.status === 'paused' && destination.pause !== undefined;

/** The destination as provisioned; throws `DestinationStateError` when it is not. */
export const requireProvisioned = (destination: Destination): ProvisionedDestination => {
  if (!isProvisioned(destination))
    throw new DestinationStateError(destination.id, 'provisioned (with a queue and a mapping)');
  return destination;
};

/** The destination as paused; throws `DestinationStateError` when it is not. */
export const requirePaused = (destination: Destination): PausedDestination => {
  if (!isPaused(destination)) throw new DestinationStateError(destination.id, 'paused (with a pause record)');
  return destination;
};
