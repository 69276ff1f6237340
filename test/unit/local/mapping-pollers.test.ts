import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { MappingPollers, MAX_INVOCATION_EVENT_BYTES } from '../../../local/mapping-pollers';

const messagesOf = (count: number, bodyBytes: number): Message[] =>
  Array.from({ length: count }, (_, index) => ({
    MessageId: `m${index}`,
    ReceiptHandle: `h${index}`,
    Body: 'x'.repeat(bodyBytes),
    Attributes: { SentTimestamp: '0' },
  }));

describe('MappingPollers', () => {
  const quietly = () => jest.spyOn(console, 'error').mockImplementation(() => undefined);
  afterEach(() => jest.restoreAllMocks());

  it('refuses, as Lambda does, to invoke with an event over 6 MB: nothing is delivered or deleted', async () => {
    quietly();
    const deliver = jest.fn();
    const pollers = new MappingPollers({} as SQSClient, deliver, 120_000);

    const deleted = await pollers.invokeBatch('uuid-1', 'arn:aws:sqs:us-east-1:0:q.fifo', messagesOf(10, 700_000));

    expect(deleted).toEqual([]);
    expect(deliver).not.toHaveBeenCalled();
    expect(pollers.refusedInvocations).toBe(1);
    expect(10 * 700_000).toBeGreaterThan(MAX_INVOCATION_EVENT_BYTES);
  });

  it('invokes with an event under 6 MB and deletes what the handler did not report as failed', async () => {
    const deliver = jest
      .fn()
      .mockResolvedValue({ batchItemFailures: [{ itemIdentifier: 'm8' }, { itemIdentifier: 'm9' }] });
    const pollers = new MappingPollers({} as SQSClient, deliver, 120_000);

    const deleted = await pollers.invokeBatch('uuid-1', 'arn:aws:sqs:us-east-1:0:q.fifo', messagesOf(10, 550_000));

    expect(deleted.map((message) => message.MessageId)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(pollers.invocations.count).toBe(1);
  });
});
