/**
 * What acknowledging a message costs over what the contract makes it do: a durable SQS write and
 * then the message's record (recorded only once every queue confirmed). p50 and p99 of
 * `POST /v1/messages` (one destination), with and without an Idempotency-Key, against the sum of a
 * bare FIFO SendMessage of the same body and a bare PutItem of a small item, to the same stand-ins
 * with the functions' client settings, interleaved in rounds in the same run, one request at a time.
 * No delivery runs during the samples: the destination is paused first (its receiver refuses the
 * first delivery), so its entries wait in the queue and only the prober's rare probe competes.
 */
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { createSqsClient } from '../lambdas/shared/wiring/clients';
import { type TestConveyor, waitFor } from '../test/fixtures/conveyor';
import { startReceiver } from '../test/fixtures/receiver';
import { percentile } from './harness';

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export interface IngestOverhead {
  readonly samples: number;
  readonly ingest: Percentiles;
  readonly ingestWithIdempotencyKey: Percentiles;
  readonly sendMessage: Percentiles;
  readonly putItem: Percentiles;
  /** SendMessage + PutItem, percentile by percentile: the floor of an acknowledgement. */
  readonly floor: Percentiles;
  readonly ratio: Percentiles;
  readonly ratioWithIdempotencyKey: Percentiles;
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

const stats = (values: number[]): Percentiles => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
const divided = (a: Percentiles, b: Percentiles): Percentiles => ({ p50: a.p50 / b.p50, p99: a.p99 / b.p99 });

export const measureIngestOverhead = async (
  conveyor: TestConveyor,
  samples: number,
  payload: unknown,
): Promise<IngestOverhead> => {
  const receiver = await startReceiver();
  // A refusal pauses the destination at once (no inline retries): nothing is delivered meanwhile.
  receiver.respond = () => 400;
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Bench');
    const message = { meta: { dataModel: 'Bench', eventType: 'Tick' }, data: { payload } };
    const post = async (headers: Record<string, string> = {}) => {
      const answer = await conveyor.send(source.apiKey, message, headers);
      if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
    };
    const postWithKey = () => post({ 'idempotency-key': randomUUID() });
    await post();
    await waitFor(async () => {
      const answer = await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`);
      return (answer.body as { status?: string }).status === 'paused';
    }, 'the destination paused');

    // Clients configured as the functions' are, writing straight to a queue and the table.
    const sqs = createSqsClient(conveyor.local.config.clients);
    const { documents } = conveyor.local.clients;
    const TableName = conveyor.local.config.store.tableName;
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
    const put = () =>
      documents.send(new PutCommand({ TableName, Item: { pk: `BENCH#${randomUUID()}`, sk: 'INGEST', body } }));

    // Warm every path (connections, JIT, the stand-ins' caches), then alternate rounds so drift hits all alike.
    await timed(30, () => post());
    await timed(30, postWithKey);
    await timed(30, send);
    await timed(30, put);
    const ingest: number[] = [];
    const withKey: number[] = [];
    const bareSend: number[] = [];
    const barePut: number[] = [];
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      ingest.push(...(await timed(samples / rounds, () => post())));
      withKey.push(...(await timed(samples / rounds, postWithKey)));
      bareSend.push(...(await timed(samples / rounds, send)));
      barePut.push(...(await timed(samples / rounds, put)));
    }
    sqs.destroy();
    const sendMessage = stats(bareSend);
    const putItem = stats(barePut);
    const floor = { p50: sendMessage.p50 + putItem.p50, p99: sendMessage.p99 + putItem.p99 };
    return {
      samples,
      ingest: stats(ingest),
      ingestWithIdempotencyKey: stats(withKey),
      sendMessage,
      putItem,
      floor,
      ratio: divided(stats(ingest), floor),
      ratioWithIdempotencyKey: divided(stats(withKey), floor),
    };
  } finally {
    await receiver.close();
  }
};
