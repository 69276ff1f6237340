/**
 * Writes applied and their answers lost, as AWS does now and then: the service applies a write,
 * the answer never reaches the caller (a 500, a reset connection), and the SDK sends the same
 * write again. A conditional write then fails its own condition on the retry, so every write a
 * retry could repeat must recognise its own earlier success. This middleware lets the real request
 * reach the stand-in and then answers the SDK with a retryable 500 in its place.
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** What `loseAnswersOfWrites` takes. */
export interface LostAnswerOptions {
  /** Uniform in [0, 1): seeded, so a failing run can be replayed. */
  readonly random: () => number;
  /** Chance that the answer of one applied write is lost, in [0, 1]. */
  readonly probability: number;
  /** The commands that write (e.g. `PutItemCommand`, `SendMessageCommand`); reads are never touched. */
  readonly writeCommands: ReadonlySet<string>;
  /** Told of each lost answer (for a count in the test's report). */
  readonly onLost?: (commandName: string) => void;
}

/** The writes of the DynamoDB API that Conveyor uses (document-client commands resolve to these). */
export const DYNAMODB_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

/** The writes of the SQS API that Conveyor uses. */
export const SQS_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'SendMessageCommand',
  'SendMessageBatchCommand',
  'DeleteMessageCommand',
  'DeleteMessageBatchCommand',
  'ChangeMessageVisibilityCommand',
  'ChangeMessageVisibilityBatchCommand',
]);

/** The error the SDK sees in place of the answer: a 500 its standard retry strategy retries. */
export class LostAnswerError extends Error {
  override readonly name = 'InternalServerError';
  readonly $fault = 'server';
  readonly $metadata = { httpStatusCode: 500 };

  constructor(commandName: string) {
    super(`The stand-in applied ${commandName} and its answer was lost (local fidelity mode)`);
  }
}

/**
 * Adds the lost-answer middleware to an SDK client's stack. It sits inside the retry loop (the
 * deserialize step runs once per attempt), so the SDK retries the write as it would on AWS.
 */
export const loseAnswersOfWrites = <Input extends object, Output extends MetadataBearer>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  options: LostAnswerOptions,
): void => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const commandName = context.commandName ?? '';
      if (options.writeCommands.has(commandName) && options.random() < options.probability) {
        options.onLost?.(commandName);
        throw new LostAnswerError(commandName);
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'conveyorLostAnswers' },
  );
};
