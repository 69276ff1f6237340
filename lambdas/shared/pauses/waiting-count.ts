import type { Destination } from '../domain/model';
import type { PausePorts } from './pause-ports';

/** Entries waiting for a destination: in its queue and, during a long pause, in the spill. */
export const waitingCount = async (destination: Destination, ports: Pick<PausePorts, 'queues'>): Promise<number> =>
  (await ports.queues.depth(destination.queueUrl!)) + (destination.spilled ?? 0);
