import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { EventSourceMappings } from '../ports';

/** FIFO batches hold at most 10 records; a batch is delivered in order and stops at the first failure. */
export const DELIVERY_BATCH_SIZE = 10;

/**
 * The event-source mappings that feed destination queues to the delivery function. Disabling one
 * is how a destination is paused; the state lives on the mapping, never in the CDK template.
 */
export class LambdaEventSourceMappings implements EventSourceMappings {
  constructor(
    private readonly client: LambdaClient,
    /** Needed only to create mappings (the admin function); enabling and disabling go by UUID. */
    private readonly deliveryFunctionArn?: string,
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

  async setEnabled(mappingId: string, enabled: boolean): Promise<void> {
    await this.client.send(new UpdateEventSourceMappingCommand({ UUID: mappingId, Enabled: enabled }));
  }

  async remove(mappingId: string): Promise<void> {
    try {
      await this.client.send(new DeleteEventSourceMappingCommand({ UUID: mappingId }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
