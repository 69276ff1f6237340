/**
 * What acknowledging a message costs over the one thing it cannot do without: a durable SQS
 * write. p50 and p99 of `POST /v1/messages` (one destination) against a bare FIFO SendMessage of
 * the same body to the same stand-in, measured in the same run, one request at a time.
 */
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { createSqsClient } from '../lambdas/shared/wiring/clients';
import type { TestConveyor } from '../test/fixtures/conveyor';
import { startReceiver } from '../test/fixtures/receiver';
import { percentile } from './harness';

export interface IngestOverhead {
  readonly samples: number;
  readonly ingest: { p50: number; p99: number };
  readonly sendMessage: { p50: number; p99: number };
  readonly ratio: { p50: number; p99: number };
}

const timed = async (count: number, operation: (n: number) => Promise<unknown>): Promise<number[]> => {
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    await operation(n);
    times.push(performance.now() - started);
  }
  return times;
};

export const measureIngestOverhead = async (
  conveyor: TestConveyor,
  samples: number,
  payload: unknown,
): Promise<IngestOverhead> => {
  const receiver = await startReceiver();
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Bench');
    const message = { meta: { dataModel: 'Bench', eventType: 'Tick' }, data: { payload } };
    const post = async () => {
      const answer = await conveyor.send(source.apiKey, message);
      if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
    };

    // A client configured as the functions' is, sending straight to a queue of its own.
    const sqs = createSqsClient(conveyor.local.config.clients);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `bench-bare-${randomUUID().slice(0, 8)}.fifo`,
        Attributes: { FifoQueue: 'true' },
      }),
    );
    const body = JSON.stringify(message);
    const send = () =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'bench',
          MessageDeduplicationId: randomUUID(),
        }),
      );

    // Warm both paths (connections, JIT, the stand-ins' caches), then alternate rounds so drift hits both alike.
    await timed(30, post);
    await timed(30, send);
    const ingest: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < 5; round++) {
      ingest.push(...(await timed(samples / 5, post)));
      bare.push(...(await timed(samples / 5, send)));
    }
    sqs.destroy();
    const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
    const ingestStats = stats(ingest);
    const bareStats = stats(bare);
    return {
      samples,
      ingest: ingestStats,
      sendMessage: bareStats,
      ratio: { p50: ingestStats.p50 / bareStats.p50, p99: ingestStats.p99 / bareStats.p99 },
    };
  } finally {
    await receiver.close();
  }
};
