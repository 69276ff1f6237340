import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SqsDestinationQueues } from '../../../../lambdas/shared/adapters/sqs-destination-queues';
import { newId } from '../../../../lambdas/shared/domain/ids';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-dst_1.fifo';

describe('SqsDestinationQueues', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(CreateQueueCommand).resolves({ QueueUrl: queueUrl });
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_1.fifo' } });
  });

  it('provisions a FIFO queue per destination with the deployment prefix, visibility, retention and the customer key', async () => {
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 720,
      kmsKeyId: 'arn:aws:kms:key',
    });

    const queue = await queues.provision('dst_1');

    expect(queue).toEqual({ queueUrl, queueArn: 'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_1.fifo' });
    expect(sqs).toHaveReceivedCommandWith(CreateQueueCommand, {
      QueueName: 'conveyor-dst_1.fifo',
      Attributes: expect.objectContaining({
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        VisibilityTimeout: '720',
        MessageRetentionPeriod: String(14 * 24 * 3600),
        MaximumMessageSize: String(1024 * 1024),
        KmsMasterKeyId: 'arn:aws:kms:key',
      }),
      tags: { 'conveyor:destination': 'dst_1', 'conveyor:deployment': 'conveyor-' },
    });
    const policy = JSON.parse(sqs.commandCalls(SetQueueAttributesCommand)[0]!.args[0].input.Attributes!.Policy!);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Resource: 'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_1.fifo',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('deletes the queue it created when its provisioning fails afterwards, and throws what failed', async () => {
    sqs.on(SetQueueAttributesCommand).rejects(new Error('AccessDenied'));
    sqs.on(DeleteQueueCommand).resolves({});
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    await expect(queues.provision('dst_1')).rejects.toThrow('AccessDenied');

    expect(sqs.commandCalls(DeleteQueueCommand).map((call) => call.args[0].input)).toEqual([{ QueueUrl: queueUrl }]);
  });

  it('removes a queue with DeleteQueue; one already gone counts as removed', async () => {
    sqs
      .on(DeleteQueueCommand)
      .resolvesOnce({})
      .rejectsOnce(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }))
      .rejectsOnce(new Error('RequestThrottled'));
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    await queues.remove(queueUrl);
    await queues.remove(queueUrl);
    await expect(queues.remove(queueUrl)).rejects.toThrow('RequestThrottled');

    expect(sqs).toHaveReceivedCommandWith(DeleteQueueCommand, { QueueUrl: queueUrl });
  });

  it('falls back to SQS-managed encryption without a customer key', async () => {
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    await queues.provision('dst_1');

    expect(sqs).toHaveReceivedCommandWith(CreateQueueCommand, {
      Attributes: expect.objectContaining({ SqsManagedSseEnabled: 'true' }),
    });
  });

  it('sends with the destination as message group and the transmission as deduplication id', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    await queues.send(queueUrl, { groupId: 'dst_1', deduplicationId: 'trn_1_0', body: 'envelope' });

    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: queueUrl,
      MessageGroupId: 'dst_1',
      MessageDeduplicationId: 'trn_1_0',
      MessageBody: 'envelope',
    });
  });

  it('releases entries in batches of ten, never with a zero visibility timeout', async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });
    const handles = Array.from({ length: 12 }, (_, index) => `handle-${index}`);

    await queues.release(queueUrl, handles, 0);

    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 2);
    const entries = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries.map((entry) => entry.ReceiptHandle)).toEqual(handles);
    expect(new Set(entries.map((entry) => entry.VisibilityTimeout))).toEqual(new Set([1]));
  });

  it('reads heads with their send time and queue position, and refuses entries without them', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            ReceiptHandle: 'h1',
            Body: 'first',
            Attributes: { SentTimestamp: '1767225600000', SequenceNumber: '18849496460467696128' },
          },
          {
            ReceiptHandle: 'h2',
            Body: 'second',
            Attributes: { SentTimestamp: '1767225601000', SequenceNumber: '18849496460467696129' },
          },
        ],
      })
      .resolvesOnce({ Messages: [{ ReceiptHandle: 'h3', Body: 'third' }] });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    expect(await queues.receiveHeads(queueUrl, 10, 60)).toEqual([
      { receiptHandle: 'h1', body: 'first', sentAt: '2026-01-01T00:00:00.000Z', position: '18849496460467696128' },
      { receiptHandle: 'h2', body: 'second', sentAt: '2026-01-01T00:00:01.000Z', position: '18849496460467696129' },
    ]);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 60,
      MessageSystemAttributeNames: ['SentTimestamp', 'SequenceNumber'],
    });
    await expect(queues.receiveHead(queueUrl, 60)).rejects.toThrow(/SequenceNumber/);
  });

  // Short polling (a wait of 0) samples a subset of SQS's servers and can answer empty while
  // entries wait: a prober that believed it would resume a destination that still has a head.
  it('long-polls for a second when it takes heads, so a queue with entries is not found empty', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    expect(await queues.receiveHead(queueUrl, 35)).toBeUndefined();
    expect(await queues.receiveHeads(queueUrl, 10, 60)).toEqual([]);

    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 2);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.WaitTimeSeconds)).toEqual([1, 1]);
  });

  it('counts visible, in-flight and delayed entries in the depth', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '2',
        ApproximateNumberOfMessagesDelayed: '1',
      },
    });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    expect(await queues.depth(queueUrl)).toBe(3);
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    });
  });

  it('refuses a depth that lacks one of the three counters rather than call the queue empty', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    await expect(queues.depth(queueUrl)).rejects.toThrow(/ApproximateNumberOfMessagesDelayed/);
  });

  it("lists the deployment's destination queues page by page, by its name prefix, with the destination each belongs to", async () => {
    const [first, second] = [newId('destination'), newId('destination')];
    const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
    sqs
      .on(ListQueuesCommand)
      .resolvesOnce({
        QueueUrls: [url(`conveyor-${first}.fifo`), url(`conveyor-staging-${newId('destination')}.fifo`)],
        NextToken: 'page-2',
      })
      // Names of this prefix that are not a destination's queue are not listed.
      .resolvesOnce({
        QueueUrls: [url(`conveyor-${second}.fifo`), url('conveyor-dst_not-an-id.fifo'), url(`conveyor-${second}`)],
      });
    const queues = new SqsDestinationQueues(new SQSClient({}), {
      namePrefix: 'conveyor-',
      visibilityTimeoutSeconds: 60,
    });

    const listed = await queues.listDestinationQueues();

    expect(listed).toEqual([
      { destinationId: first, queueUrl: url(`conveyor-${first}.fifo`) },
      { destinationId: second, queueUrl: url(`conveyor-${second}.fifo`) },
    ]);
    expect(sqs.commandCalls(ListQueuesCommand).map((call) => call.args[0].input)).toEqual([
      { QueueNamePrefix: 'conveyor-', MaxResults: 1000, NextToken: undefined },
      { QueueNamePrefix: 'conveyor-', MaxResults: 1000, NextToken: 'page-2' },
    ]);
  });
});
