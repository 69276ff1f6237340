/**
 * Counts the AWS requests Conveyor makes, by service and operation, with an SDK middleware on
 * each client; DynamoDB requests also ask for and add up their consumed capacity units. S3's
 * clients are created inside lazily loaded adapters, out of reach: their `send` is counted on the
 * class instead (`countS3Requests`).
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** The part of a request's input the counter reads or sets. */
interface CountedInput {
  QueueUrl?: string;
  Entries?: unknown[];
  ReturnConsumedCapacity?: string;
  Item?: { pk?: unknown };
}

export interface RequestCounts {
  /** `Service:Operation` → number of requests. `SQS:ReceiveMessage (empty)` are receives that found nothing. */
  readonly requests: Map<string, number>;
  readonly capacity: { read: number; write: number };
  /** `DynamoDB:Operation` → capacity units it consumed. */
  readonly capacityByOperation: Map<string, number>;
  /** Runs of the prober begun (each takes its lease: a PutItem of the `PROBER` item). */
  proberRuns: number;
  /** Bytes of the bodies S3 PutObject requests carried. */
  s3PutBytes: number;
  /** Queue entries deleted (DeleteMessage, and each entry of DeleteMessageBatch). */
  sqsDeleted: number;
  include: (service: string, input: CountedInput) => boolean;
}

export const newRequestCounts = (): RequestCounts => ({
  requests: new Map(),
  capacity: { read: 0, write: 0 },
  capacityByOperation: new Map(),
  proberRuns: 0,
  s3PutBytes: 0,
  sqsDeleted: 0,
  include: () => true,
});

export const resetCounts = (counts: RequestCounts) => {
  counts.requests.clear();
  counts.capacityByOperation.clear();
  counts.capacity.read = 0;
  counts.capacity.write = 0;
  counts.proberRuns = 0;
  counts.s3PutBytes = 0;
  counts.sqsDeleted = 0;
};

/** A copy of what `counts` holds now (to subtract one phase from another). */
export const snapshotCounts = (counts: RequestCounts) => ({
  requests: new Map(counts.requests),
  capacityByOperation: new Map(counts.capacityByOperation),
  capacity: { ...counts.capacity },
  proberRuns: counts.proberRuns,
  s3PutBytes: counts.s3PutBytes,
  sqsDeleted: counts.sqsDeleted,
});

export type CountsSnapshot = ReturnType<typeof snapshotCounts>;

export const total = (counts: Pick<RequestCounts, 'requests'>, service: string): number =>
  [...counts.requests].filter(([key]) => key.startsWith(`${service}:`)).reduce((sum, [, count]) => sum + count, 0);

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

interface ConsumedCapacity {
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  CapacityUnits?: number;
}

/** Whether a DynamoDB operation consumes write units (else read units). */
export const isWriteOperation = (operation: string): boolean =>
  /Put|Update|Delete|TransactWrite|BatchWrite/.test(operation);

const addCapacity = (
  counts: RequestCounts,
  operation: string,
  consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
) => {
  for (const entry of [consumed ?? []].flat()) {
    const isWrite = isWriteOperation(operation);
    const units = entry.CapacityUnits ?? (isWrite ? entry.WriteCapacityUnits : entry.ReadCapacityUnits) ?? 0;
    if (isWrite) counts.capacity.write += units;
    else counts.capacity.read += units;
    bump(counts.capacityByOperation, `DynamoDB:${operation}`, units);
  }
};

/** The string value of a key attribute, whether the input is still native or already marshalled. */
const keyValue = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'S' in value ? (value as { S: unknown }).S : value;

/** The counts each client's middleware adds to, by its middleware stack. */
const targets = new WeakMap<object, { counts: RequestCounts }>();

/**
 * Adds the counting middleware to `client` under `service`. Only requests `counts.include` accepts
 * are counted (SQS requests of other queues are polls of idle destinations: a fixed cost per
 * queue, not a cost per message). A ReceiveMessage that found nothing counts under
 * `SQS:ReceiveMessage (empty)`: on AWS the mapping's pollers long-poll an idle queue whatever it
 * carries, so those are priced as a fixed monthly cost, not per message.
 */
export const countRequests = <Input extends object, Output extends MetadataBearer>(
  client: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  service: string,
  counts: RequestCounts,
) => {
  // A client counted before (another run on the same Conveyor) keeps its middleware, now counting here.
  const installed = targets.get(client.middlewareStack);
  if (installed) {
    installed.counts = counts;
    return;
  }
  const target = { counts };
  targets.set(client.middlewareStack, target);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const { counts } = target;
      const input = args.input as CountedInput;
      if (!counts.include(service, input)) return next(args);
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      if (service === 'DynamoDB') input.ReturnConsumedCapacity = 'TOTAL';
      if (service === 'DynamoDB' && operation === 'PutItem' && keyValue(input.Item?.pk) === 'PROBER')
        counts.proberRuns++;
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        bump(counts.requests, `${service}:${operation}`); // a refused request is billed too
        throw error;
      }
      const output = result.output as MetadataBearer & {
        ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
        Messages?: unknown[];
      };
      const empty = service === 'SQS' && operation === 'ReceiveMessage' && (output.Messages?.length ?? 0) === 0;
      bump(counts.requests, `${service}:${operation}${empty ? ' (empty)' : ''}`);
      if (service === 'SQS' && operation.startsWith('DeleteMessage')) counts.sqsDeleted += input.Entries?.length ?? 1;
      if (service === 'DynamoDB') addCapacity(counts, operation, output.ConsumedCapacity);
      return result;
    },
    { step: 'initialize', name: `benchRequestCounter${service}` },
  );
};

/**
 * Counts every S3 request of this process (`S3:<Command>`, and the bytes of PutObject bodies)
 * into `counts` until the returned function is called. The adapters create their S3 clients on
 * first use, inside modules the benchmark cannot reach, so the class's `send` is wrapped.
 */
export const countS3Requests = (counts: RequestCounts): (() => void) => {
  const prototype = S3Client.prototype as unknown as { send: (command: object, ...rest: unknown[]) => unknown };
  const original = prototype.send;
  prototype.send = function (this: S3Client, command: object, ...rest: unknown[]) {
    const operation = command.constructor.name.replace(/Command$/, '');
    bump(counts.requests, `S3:${operation}`);
    const body = (command as { input?: { Body?: unknown } }).input?.Body;
    if (operation === 'PutObject' && (typeof body === 'string' || body instanceof Uint8Array))
      counts.s3PutBytes += typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    return original.call(this, command, ...rest);
  };
  return () => {
    prototype.send = original;
  };
};
