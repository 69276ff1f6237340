/** What the ingest use-case tests share: an active destination of a source, and queues that only take sends. */
import { newId } from '../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Source } from '../../../lambdas/shared/domain/model';
import type { DestinationQueues, QueueEntry } from '../../../lambdas/shared/ports/queues';

/** An active destination of `source`'s organization named `name`, with the queue `queue-<name>`. */
export const activeDestinationOf = (source: Source, name: string, createdAt = ''): ActiveDestination => ({
  id: newId('destination'),
  organizationId: source.organizationId,
  name,
  url: 'https://lab.example/hook',
  timeoutMs: 5000,
  signingSecret: 'whsec_x',
  inlineRetries: 2,
  status: 'active',
  createdAt,
  queueUrl: `queue-${name}`,
  queueArn: `arn:queue-${name}`,
  mappingId: `mapping-queue-${name}`,
});

/** Destination queues for ingest, which only sends: `send` is the test's, every other call throws. */
export const sendingQueues = (send: (queueUrl: string, entry: QueueEntry) => Promise<void>): DestinationQueues => {
  const unused = async (): Promise<never> => {
    throw new Error('Ingest does not call this');
  };
  return {
    send,
    provision: unused,
    remove: unused,
    depth: unused,
    receiveHead: unused,
    receiveHeads: unused,
    delete: unused,
    release: unused,
  };
};
