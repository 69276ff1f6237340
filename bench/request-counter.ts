/**
 * Counts the AWS requests Conveyor makes, by service and operation, with an SDK middleware on
 * each client; DynamoDB requests also ask for and add up their consumed capacity units.
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** The part of a request's input the counter reads or sets. */
interface CountedInput {
  QueueUrl?: string;
  ReturnConsumedCapacity?: string;
}

export interface RequestCounts {
  /** `Service:Operation` → number of requests. */
  readonly requests: Map<string, number>;
  readonly capacity: { read: number; write: number };
  /** `DynamoDB:Operation` → capacity units it consumed. */
  readonly capacityByOperation: Map<string, number>;
  include: (service: string, input: CountedInput) => boolean;
}

export const newRequestCounts = (): RequestCounts => ({
  requests: new Map(),
  capacity: { read: 0, write: 0 },
  capacityByOperation: new Map(),
  include: () => true,
});

export const resetCounts = (counts: RequestCounts) => {
  counts.requests.clear();
  counts.capacityByOperation.clear();
  counts.capacity.read = 0;
  counts.capacity.write = 0;
};

export const total = (counts: RequestCounts, service: string): number =>
  [...counts.requests].filter(([key]) => key.startsWith(`${service}:`)).reduce((sum, [, count]) => sum + count, 0);

interface ConsumedCapacity {
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  CapacityUnits?: number;
}

const addCapacity = (
  counts: RequestCounts,
  operation: string,
  consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
) => {
  for (const entry of [consumed ?? []].flat()) {
    const isWrite = /Put|Update|Delete|TransactWrite|BatchWrite/.test(operation);
    const units = entry.CapacityUnits ?? (isWrite ? entry.WriteCapacityUnits : entry.ReadCapacityUnits) ?? 0;
    if (isWrite) counts.capacity.write += units;
    else counts.capacity.read += units;
    const key = `DynamoDB:${operation}`;
    counts.capacityByOperation.set(key, (counts.capacityByOperation.get(key) ?? 0) + units);
  }
};

/**
 * Adds the counting middleware to `client` under `service`. Only requests `counts.include` accepts
 * are counted (SQS requests of other queues are polls of idle destinations: a fixed cost per
 * queue, not a cost per message).
 */
export const countRequests = <Input extends object, Output extends MetadataBearer>(
  client: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  service: string,
  counts: RequestCounts,
) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as CountedInput;
      if (!counts.include(service, input)) return next(args);
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      if (service === 'DynamoDB') input.ReturnConsumedCapacity = 'TOTAL';
      const key = `${service}:${operation}`;
      counts.requests.set(key, (counts.requests.get(key) ?? 0) + 1);
      const result = await next(args);
      if (service === 'DynamoDB')
        addCapacity(
          counts,
          operation,
          (result.output as MetadataBearer & { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
            .ConsumedCapacity,
        );
      return result;
    },
    { step: 'initialize', name: `benchRequestCounter${service}` },
  );
};
