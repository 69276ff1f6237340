import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isId } from '../domain/ids';
import type { ListedQueue, QueueListing } from '../ports/backlog';
import type { DestinationQueues, QueueEntry, QueuedEntry } from '../ports/queues';

/** How destination queues are created; the stack sets them (`queueSettingsFromEnv`). */
export interface QueueSettings {
  /** Every destination queue is named `<prefix><destinationId>.fifo`; IAM is scoped to the prefix. */
  readonly namePrefix: string;
  /** At least six times the delivery function's timeout, so a batch never reappears mid-delivery. */
  readonly visibilityTimeoutSeconds: number;
  /** A customer-managed KMS key for the queues; SQS-managed encryption when absent. */
  readonly kmsKeyId?: string;
  /** How long SQS keeps an entry (the most it allows unless shortened, e.g. to test the spill). */
  readonly retentionSeconds?: number;
}

/** The largest message SQS takes (1 MiB); ingest's MAX_QUEUE_MESSAGE_BYTES must not exceed it. */
export const MAX_QUEUE_MESSAGE_BYTES = 1024 * 1024;

/** SQS retains a message for at most 14 days. */
export const MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * How long a receive of heads waits for an entry. Short polling (0) asks only a subset of SQS's
 * servers and can answer empty while entries wait; a long poll asks them all and returns as soon
 * as one is there. One second is what an empty answer costs.
 */
export const HEAD_RECEIVE_WAIT_SECONDS = 1;

/** Every entry the queue still holds: visible, received and not yet deleted, and delayed. */
const DEPTH_COUNTERS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/** A queue policy refusing every request that does not use TLS. */
export const tlsOnlyPolicy = (queueArn: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:*',
      Resource: queueArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

/** ListQueues answers at most this many queue URLs a page. */
const LIST_PAGE_SIZE = 1000;
const FIFO_SUFFIX = '.fifo';

/**
 * One SQS FIFO queue per destination, named `<namePrefix><destinationId>.fifo` and tagged with the
 * destination. SDK failures are thrown as raised (a provisioning that fails after creating its queue
 * deletes it first); `receiveHeads` throws an `Error` for an entry
 * without `SentTimestamp` or `SequenceNumber`, `depth` for an answer without one of its counters.
 */
export class SqsDestinationQueues implements DestinationQueues, QueueListing {
  constructor(
    private readonly client: SQSClient,
    private readonly settings: QueueSettings,
  ) {}

  async provision(destinationId: string): Promise<{ queueUrl: string; queueArn: string }> {
    const encryption: Record<string, string> = this.settings.kmsKeyId
      ? { KmsMasterKeyId: this.settings.kmsKeyId, KmsDataKeyReusePeriodSeconds: '3600' }
      : { SqsManagedSseEnabled: 'true' };
    // CreateQueue is idempotent for identical attributes, so a retried registration is harmless.
    const created = await this.client.send(
      new CreateQueueCommand({
        QueueName: `${this.settings.namePrefix}${destinationId}${FIFO_SUFFIX}`,
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'false',
          VisibilityTimeout: String(this.settings.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(this.settings.retentionSeconds ?? MAX_RETENTION_SECONDS),
          // Ingest sends data up to this size inline and stores larger data in the payload bucket.
          MaximumMessageSize: String(MAX_QUEUE_MESSAGE_BYTES),
          ReceiveMessageWaitTimeSeconds: '20',
          ...encryption,
        },
        tags: { 'conveyor:destination': destinationId, 'conveyor:deployment': this.settings.namePrefix },
      }),
    );
    const queueUrl = created.QueueUrl!;
    try {
      const attributes = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const queueArn = attributes.Attributes!.QueueArn!;
      // TLS only, like every other store of PHI in the stack (the queue is not in the template).
      await this.client.send(
        new SetQueueAttributesCommand({
          QueueUrl: queueUrl,
          Attributes: { Policy: JSON.stringify(tlsOnlyPolicy(queueArn)) },
        }),
      );
      return { queueUrl, queueArn };
    } catch (error) {
      // The caller never learns this queue's URL: take it away again (no TLS-only policy yet either).
      await this.remove(queueUrl).catch(() => undefined);
      throw error;
    }
  }

  async remove(queueUrl: string): Promise<void> {
    try {
      await this.client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    } catch (error) {
      if (!(error instanceof QueueDoesNotExist)) throw error;
    }
  }

  /**
   * Every destination queue of this deployment, by its name prefix, a page (1,000 URLs) at a time.
   * A name that is not `<prefix><destination id>.fifo` is left out: another deployment's prefix may
   * begin with this one. ListQueues is eventually consistent: a queue created seconds ago may be missing.
   */
  async listDestinationQueues(): Promise<ListedQueue[]> {
    const listed: ListedQueue[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListQueuesCommand({
          QueueNamePrefix: this.settings.namePrefix,
          MaxResults: LIST_PAGE_SIZE,
          NextToken: nextToken,
        }),
      );
      for (const queueUrl of page.QueueUrls ?? []) {
        const destinationId = this.destinationOf(queueUrl);
        if (destinationId) listed.push({ destinationId, queueUrl });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return listed;
  }

  /** The destination whose queue this is (its name, the URL's last segment, is `<prefix><id>.fifo`); undefined for another queue. */
  private destinationOf(queueUrl: string): string | undefined {
    const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const { namePrefix } = this.settings;
    if (!name.startsWith(namePrefix) || !name.endsWith(FIFO_SUFFIX)) return undefined;
    const destinationId = name.slice(namePrefix.length, -FIFO_SUFFIX.length);
    return isId('destination', destinationId) ? destinationId : undefined;
  }

  async send(queueUrl: string, entry: QueueEntry): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: entry.body,
        MessageGroupId: entry.groupId,
        MessageDeduplicationId: entry.deduplicationId,
      }),
    );
  }

  async depth(queueUrl: string): Promise<number> {
    const result = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...DEPTH_COUNTERS] }),
    );
    return DEPTH_COUNTERS.reduce((sum, counter) => {
      const value = Number(result.Attributes?.[counter]);
      // A missing counter is not a zero: a depth of 0 is what lets the prober resume on an empty queue.
      if (!Number.isInteger(value)) throw new Error(`SQS answered the queue's depth without ${counter}`);
      return sum + value;
    }, 0);
  }

  async receiveHead(queueUrl: string, visibilitySeconds: number): Promise<QueuedEntry | undefined> {
    return (await this.receiveHeads(queueUrl, 1, visibilitySeconds))[0];
  }

  async receiveHeads(queueUrl: string, max: number, visibilitySeconds: number): Promise<QueuedEntry[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: HEAD_RECEIVE_WAIT_SECONDS,
        MessageSystemAttributeNames: ['SentTimestamp', 'SequenceNumber'],
      }),
    );
    return (result.Messages ?? []).map((message) => {
      const { SentTimestamp: sentTimestamp, SequenceNumber: position } = message.Attributes ?? {};
      // A FIFO queue always has both; without them the spill could not keep queue order.
      if (!sentTimestamp || !position)
        throw new Error('SQS returned a FIFO entry without SentTimestamp or SequenceNumber');
      return {
        receiptHandle: message.ReceiptHandle!,
        body: message.Body ?? '',
        sentAt: new Date(Number(sentTimestamp)).toISOString(),
        position,
      };
    });
  }

  async delete(queueUrl: string, receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  }

  async release(queueUrl: string, receiptHandles: readonly string[], visibilitySeconds: number): Promise<void> {
    // Never 0: the local SQS stand-in (fauxqs 2.4, persisting) loses a FIFO message made visible
    // with a zero timeout. One second costs nothing on AWS.
    const visibility = Math.max(1, visibilitySeconds);
    for (let start = 0; start < receiptHandles.length; start += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: receiptHandles.slice(start, start + 10).map((receiptHandle, index) => ({
            Id: String(start + index),
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: visibility,
          })),
        }),
      );
    }
  }
}
