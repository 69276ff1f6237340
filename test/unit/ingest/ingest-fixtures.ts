/** What the ingest use-case tests share: an active destination of a source, queues that only take sends, and ports over memory. */
import { newId } from '../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Source } from '../../../lambdas/shared/domain/model';
import type { AcceptMessagePorts } from '../../../lambdas/ingest/accept-message';
import type { DestinationQueues, QueueEntry } from '../../../lambdas/shared/ports/queues';
import { MemoryMessageStore, MemoryPayloadStore } from '../../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../../fixtures/memory-uploads';
import { recordingMeter } from '../../fixtures/meter';

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

/**
 * `acceptMessage`'s ports over memory, with `overrides` on top: a fresh message store, payload
 * store and uploads, a log of `jest.fn()`s, a recording meter, a 60 s Idempotency-Key lease and
 * SQS's 1 MiB cap (bytes). `directory` and `queues` are the test's own.
 */
export const memoryAcceptPorts = (
  overrides: Partial<AcceptMessagePorts> & Pick<AcceptMessagePorts, 'directory' | 'queues'>,
  now: Date,
): AcceptMessagePorts => ({
  messages: new MemoryMessageStore(),
  clock: () => now,
  log: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as AcceptMessagePorts['log'],
  idempotencyLeaseMs: 60_000,
  maxQueueMessageBytes: 1024 * 1024,
  payloads: new MemoryPayloadStore(),
  uploads: new MemoryUploadRecords(),
  uploadObjects: new MemoryUploadObjects(),
  meter: recordingMeter(),
  ...overrides,
});
