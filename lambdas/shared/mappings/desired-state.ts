/** What a destination needs of its mapping, and where a mapping stands: pure functions. */
import { isId } from '../domain/ids';
import type { ProvisionedDestination } from '../domain/model';
import type { DesiredMapping } from '../ports/destination-state';
import type { MappingState } from '../ports/queues';

/**
 * The state a destination's status asks of its mapping: enabled while active, disabled while
 * paused (a paused destination whose spill is being delivered included: the prober delivers it)
 * and while unverified (what is routed to it waits in its queue until its endpoint is verified).
 */
export const desiredMappingOf = (destination: ProvisionedDestination): DesiredMapping =>
  destination.status === 'active' ? 'enabled' : 'disabled';

/** True in the two states Lambda accepts an update in; in the others it answers ResourceInUseException. */
export const isSettled = (state: MappingState): state is 'Enabled' | 'Disabled' =>
  state === 'Enabled' || state === 'Disabled';

/** Where a mapping in `state` is or is heading; undefined while it is being created, updated or deleted. */
export const headingOf = (state: MappingState): DesiredMapping | undefined => {
  if (state === 'Enabled' || state === 'Enabling') return 'enabled';
  if (state === 'Disabled' || state === 'Disabling') return 'disabled';
  return undefined;
};

const FIFO_SUFFIX = '.fifo';
const DESTINATION_ID_LENGTH = 'dst_'.length + 26;

/**
 * The destination a queue belongs to, from its ARN: destination queues are named
 * `<prefix><destinationId>.fifo` (`SqsDestinationQueues.provision`). Undefined for any other queue.
 */
export const destinationIdOfQueue = (queueArn: string): string | undefined => {
  const name = queueArn.slice(queueArn.lastIndexOf(':') + 1);
  if (!name.endsWith(FIFO_SUFFIX)) return undefined;
  const candidate = name.slice(0, -FIFO_SUFFIX.length).slice(-DESTINATION_ID_LENGTH);
  return isId('destination', candidate) ? candidate : undefined;
};
