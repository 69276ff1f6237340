import type { ProvisionedDestination } from '../domain/model';
import type { PausePorts } from './pause-ports';

/**
 * Entries waiting for a destination: in its queue (SQS's approximate counts of visible, in-flight
 * and delayed entries) and, during a long
 * pause, in the spill. Throws when the queue's depth cannot be read.
 */
export const waitingCount = async (
  destination: ProvisionedDestination,
  ports: Pick<PausePorts, 'queues'>,
): Promise<number> => (await ports.queues.depth(destination.queueUrl)) + (destination.spilled ?? 0);
