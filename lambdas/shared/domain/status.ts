import type { TransmissionStatus } from './model';

/** A message's status, rolled up from its transmissions' (see `rollUpStatus`). */
export type MessageStatus = 'queued' | 'delivered' | 'partially_delivered' | 'paused' | 'skipped';

/**
 * The contract's roll-up of a message's transmissions into one status: delivered when all are;
 * else paused when any is; else skipped when any is and the rest are delivered; else
 * partially_delivered when some are delivered; else queued. A `cancelled` transmission (its
 * destination was deleted while it waited) counts as skipped: it ends without delivery, as a skip does.
 */
export const rollUpStatus = (statuses: readonly TransmissionStatus[]): MessageStatus => {
  const count = (status: TransmissionStatus) => statuses.filter((s) => s === status).length;
  const delivered = count('delivered');
  const skipped = count('skipped') + count('cancelled');
  if (statuses.length > 0 && delivered === statuses.length) return 'delivered';
  if (count('paused') > 0) return 'paused';
  if (skipped > 0 && skipped + delivered === statuses.length) return 'skipped';
  if (delivered > 0) return 'partially_delivered';
  return 'queued';
};
