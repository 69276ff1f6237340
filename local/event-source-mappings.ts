/**
 * Stands in for Lambda's event-source mappings, which have no local emulator: one sqs-consumer
 * poller per enabled mapping calls the delivery handler with real SQS records, deletes only what
 * the handler did not report in `batchItemFailures`, and stops when the mapping is disabled. The
 * mappings and their enabled flags persist in the data directory, so a restart resumes them.
 */
import { GetQueueUrlCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Consumer } from 'sqs-consumer';
import { DELIVERY_BATCH_SIZE } from '../lambdas/shared/adapters/lambda-event-source-mappings';
import type { EventSourceMappings } from '../lambdas/shared/ports/queues';
import { localContext } from './lambda-context';

type DeliveryHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface MappingState {
  readonly queueArn: string;
  enabled: boolean;
}

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

export class LocalEventSourceMappings implements EventSourceMappings {
  private readonly mappings: Record<string, MappingState>;
  private readonly pollers = new Map<string, Consumer>();
  /** Invocations of the delivery handler and the time they took (benchmarks turn these into Lambda cost). */
  readonly invocations = { count: 0, totalMs: 0 };

  constructor(
    /** The client the pollers receive and delete with (on AWS, the mapping's own SQS requests). */
    readonly sqs: SQSClient,
    private readonly deliver: DeliveryHandler,
    private readonly stateFile: string,
    /** The delivery function's timeout: how long one batch may take. */
    private readonly functionTimeoutMs: number,
  ) {
    this.mappings = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, MappingState>) : {};
  }

  /** Starts a poller for every enabled mapping (after a restart). */
  async resume(): Promise<void> {
    for (const [uuid, mapping] of Object.entries(this.mappings)) if (mapping.enabled) await this.startPoller(uuid);
  }

  async create(queueArn: string): Promise<string> {
    const existing = Object.entries(this.mappings).find(([, mapping]) => mapping.queueArn === queueArn);
    if (existing) return existing[0];
    const uuid = randomUUID();
    this.mappings[uuid] = { queueArn, enabled: true };
    this.save();
    await this.startPoller(uuid);
    return uuid;
  }

  async setEnabled(mappingId: string, enabled: boolean): Promise<void> {
    const mapping = this.mappings[mappingId];
    if (!mapping) throw new Error(`No event-source mapping ${mappingId}`);
    mapping.enabled = enabled;
    this.save();
    if (enabled) await this.startPoller(mappingId);
    else await this.stopPoller(mappingId);
  }

  async remove(mappingId: string): Promise<void> {
    await this.stopPoller(mappingId);
    delete this.mappings[mappingId];
    this.save();
  }

  isEnabled(mappingId: string): boolean {
    return this.mappings[mappingId]?.enabled ?? false;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.pollers.keys()].map((uuid) => this.stopPoller(uuid)));
  }

  private save() {
    writeFileSync(this.stateFile, JSON.stringify(this.mappings, null, 2));
  }

  private async startPoller(uuid: string) {
    if (this.pollers.has(uuid)) return;
    const { queueArn } = this.mappings[uuid]!;
    const queueName = queueArn.split(':').pop()!;
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
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
      handleMessageBatch: async (messages) => {
        const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queueArn)) };
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
      },
    });
    // The poller retries by itself; say what went wrong (by name, never the message body).
    const report = (kind: string) => (error: Error) => {
      if (!this.pollers.has(uuid)) return; // stopping: the aborted long poll is expected
      console.error(
        JSON.stringify({ level: 'WARN', message: `Local event-source mapping ${kind}`, mappingId: uuid, errorName: error.name, errorMessage: error.message.slice(0, 300) }),
      );
    };
    poller.on('error', report('poll failed'));
    poller.on('processing_error', report('batch failed'));
    poller.start();
    this.pollers.set(uuid, poller);
  }

  private async stopPoller(uuid: string) {
    const poller = this.pollers.get(uuid);
    if (!poller) return;
    this.pollers.delete(uuid);
    const stopped = new Promise<void>((resolveStop) => poller.once('stopped', () => resolveStop()));
    poller.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolveTimeout) => (timer = setTimeout(resolveTimeout, 2000)))]);
    clearTimeout(timer);
  }
}
