import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  LambdaClient,
  type LambdaClientConfig,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSourceMappings } from '../ports/queues';

/** FIFO batches hold at most 10 records; a batch is delivered in order and stops at the first failure. */
export const DELIVERY_BATCH_SIZE = 10;

const SET_ENABLED_RETRIES = 8;

/**
 * The event-source mappings that feed destination queues to the delivery function. Disabling one
 * is how a destination is paused; the state lives on the mapping, never in the CDK template.
 */
export class LambdaEventSourceMappings implements EventSourceMappings {
  constructor(
    private readonly client: LambdaClient,
    /** Needed only to create mappings (the admin function); enabling and disabling go by UUID. */
    private readonly deliveryFunctionArn?: string,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  async create(queueArn: string): Promise<string> {
    if (!this.deliveryFunctionArn) throw new Error('LambdaEventSourceMappings: creating a mapping needs the delivery function ARN');
    try {
      const created = await this.client.send(
        new CreateEventSourceMappingCommand({
          FunctionName: this.deliveryFunctionArn,
          EventSourceArn: queueArn,
          BatchSize: DELIVERY_BATCH_SIZE,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          Enabled: true,
        }),
      );
      return created.UUID!;
    } catch (error) {
      // A retried registration finds the mapping the first attempt created.
      if (!(error instanceof ResourceConflictException)) throw error;
      const existing = await this.client.send(
        new ListEventSourceMappingsCommand({ EventSourceArn: queueArn, FunctionName: this.deliveryFunctionArn }),
      );
      const uuid = existing.EventSourceMappings?.[0]?.UUID;
      if (!uuid) throw error;
      return uuid;
    }
  }

  /**
   * Lambda's control plane allows about 15 mapping updates a second per account, and refuses an
   * update while the previous one is still being applied. Beyond the client's own retries, keep
   * trying with jittered exponential backoff (about 30 seconds in all) before giving up; a caller
   * that gives up leaves the state to the prober, which tries again.
   */
  async setEnabled(mappingId: string, enabled: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new UpdateEventSourceMappingCommand({ UUID: mappingId, Enabled: enabled }));
        return;
      } catch (error) {
        const retryable = error instanceof TooManyRequestsException || error instanceof ResourceInUseException;
        if (!retryable || attempt >= SET_ENABLED_RETRIES) throw error;
        await this.wait(Math.random() * Math.min(8000, 250 * 2 ** attempt));
      }
    }
  }

  async remove(mappingId: string): Promise<void> {
    try {
      await this.client.send(new DeleteEventSourceMappingCommand({ UUID: mappingId }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/**
 * Mappings over a client of their own. Pausing and resuming go through Lambda's control plane
 * (about 15 calls/s per account): the client backs off adaptively, and setEnabled keeps retrying
 * beyond it.
 */
export const createLambdaEventSourceMappings = (deliveryFunctionArn?: string, clientConfig: LambdaClientConfig = {}): LambdaEventSourceMappings =>
  new LambdaEventSourceMappings(new LambdaClient({ ...clientConfig, maxAttempts: 3, retryMode: 'adaptive' }), deliveryFunctionArn);
