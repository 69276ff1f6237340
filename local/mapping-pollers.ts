/**
 * What an enabled event-source mapping does, locally: one sqs-consumer poller per mapping calls
 * the delivery handler with real SQS records, deletes only what the handler did not report in
 * `batchItemFailures`, and refuses (as Lambda would) an invocation whose event is over 6 MB.
 */
import { GetQueueUrlCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Consumer } from 'sqs-consumer';
import { DELIVERY_BATCH_SIZE } from '../lambdas/shared/adapters/lambda-event-source-mappings';
import { localContext } from './lambda-context';
import { localLog } from './local-log';

export type DeliveryHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The most a Lambda invocation's payload may be: 6 MB (6,291,456 bytes) for a synchronous
 * invocation, which is how an event-source mapping invokes ("Invocation payload", Lambda quotas).
 */
export const MAX_INVOCATION_EVENT_BYTES = 6 * 1024 * 1024;

export const toSqsRecord = (message: Message, queueArn: string): SQSRecord => {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      SequenceNumber: attributes.SequenceNumber,
      MessageGroupId: attributes.MessageGroupId,
      MessageDeduplicationId: attributes.MessageDeduplicationId,
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
};

/** One poller per running mapping, by mapping UUID. */
export class MappingPollers {
  private readonly pollers = new Map<string, Consumer>();
  /** Invocations of the delivery handler and the time they took (benchmarks turn these into Lambda cost). */
  readonly invocations = { count: 0, totalMs: 0 };
  /** Batches not invoked because their event was over `MAX_INVOCATION_EVENT_BYTES`. */
  refusedInvocations = 0;

  constructor(
    /** The client the pollers receive and delete with (on AWS, the mapping's own SQS requests). */
    readonly sqs: SQSClient,
    private readonly deliver: DeliveryHandler,
    /** The delivery function's timeout: how long one batch may take. */
    private readonly functionTimeoutMs: number,
  ) {}

  isPolling(uuid: string): boolean {
    return this.pollers.has(uuid);
  }

  async start(uuid: string, queueArn: string): Promise<void> {
    if (this.pollers.has(uuid)) return;
    const queueName = queueArn.split(':').pop()!;
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (this.pollers.has(uuid)) return; // started meanwhile
    const poller = Consumer.create({
      queueUrl: QueueUrl!,
      sqs: this.sqs,
      useQueueUrlAsEndpoint: false,
      batchSize: DELIVERY_BATCH_SIZE,
      // Short long-polls that a stop lets finish rather than aborts, so stopping a mapping never
      // leaves a receive pending on the stand-in, and takes at most a second.
      waitTimeSeconds: 1,
      pollingWaitTimeMs: 0,
      attributeNames: ['All'],
      messageSystemAttributeNames: ['All'],
      suppressFifoWarning: true,
      handleMessageBatch: (messages) => this.invokeBatch(uuid, queueArn, messages),
    });
    // The poller retries by itself; say what went wrong (by name, never the message body).
    const report = (kind: string) => (error: Error) => {
      if (!this.pollers.has(uuid)) return; // stopping: the aborted long poll is expected
      localLog('WARN', `Local event-source mapping ${kind}`, {
        mappingId: uuid,
        errorName: error.name,
        errorMessage: error.message.slice(0, 300),
      });
    };
    poller.on('error', report('poll failed'));
    poller.on('processing_error', report('batch failed'));
    poller.start();
    this.pollers.set(uuid, poller);
  }

  async stop(uuid: string): Promise<void> {
    const poller = this.pollers.get(uuid);
    if (!poller) return;
    this.pollers.delete(uuid);
    const stopped = new Promise<void>((resolveStop) => poller.once('stopped', () => resolveStop()));
    poller.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolveTimeout) => (timer = setTimeout(resolveTimeout, 2000)))]);
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.pollers.keys()].map((uuid) => this.stop(uuid)));
  }

  /**
   * Invokes the delivery handler with one batch received for mapping `uuid`, as Lambda would;
   * answers the messages to delete (those it did not report as failures).
   */
  async invokeBatch(uuid: string, queueArn: string, messages: Message[]): Promise<Message[]> {
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queueArn)) };
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    if (eventBytes > MAX_INVOCATION_EVENT_BYTES) {
      // Lambda would refuse the invocation: like a failed one, every record returns to the queue
      // after its visibility timeout, and nothing is delivered.
      this.refusedInvocations++;
      localLog('WARN', 'Local event-source mapping refused an invocation over 6 MB', {
        mappingId: uuid,
        records: messages.length,
        eventBytes,
      });
      return [];
    }
    let failed: Set<string>;
    const started = performance.now();
    try {
      const response = await this.deliver(event, localContext('conveyor-delivery', this.functionTimeoutMs));
      failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      // A failed invocation returns the whole batch to the queue, as Lambda does.
      failed = new Set(messages.map((message) => message.MessageId!));
    }
    this.invocations.count++;
    this.invocations.totalMs += performance.now() - started;
    return messages.filter((message) => !failed.has(message.MessageId!));
  }
}
