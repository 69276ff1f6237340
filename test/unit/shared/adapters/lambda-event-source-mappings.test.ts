import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LambdaEventSourceMappings } from '../../../../lambdas/shared/adapters/lambda-event-source-mappings';

const lambda = mockClient(LambdaClient);
const deliveryArn = 'arn:aws:lambda:us-east-1:123456789012:function:conveyor-delivery';
const queueArn = 'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_1.fifo';
const conflict = () => new ResourceConflictException({ message: 'exists', $metadata: {} });

describe('LambdaEventSourceMappings', () => {
  beforeEach(() => lambda.reset());

  it('creates an enabled mapping of up to 10 records that reports partial batch failures', async () => {
    lambda.on(CreateEventSourceMappingCommand).resolves({ UUID: 'uuid-1' });
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn);

    const uuid = await mappings.create(queueArn);

    expect(uuid).toBe('uuid-1');
    expect(lambda).toHaveReceivedCommandWith(CreateEventSourceMappingCommand, {
      FunctionName: deliveryArn,
      EventSourceArn: queueArn,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: true,
    });
  });

  it('finds the mapping a previous attempt created when asked again', async () => {
    lambda.on(CreateEventSourceMappingCommand).rejects(conflict());
    lambda.on(ListEventSourceMappingsCommand, { EventSourceArn: queueArn, FunctionName: deliveryArn }).resolves({ EventSourceMappings: [{ UUID: 'uuid-existing' }] });
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn);

    expect(await mappings.create(queueArn)).toBe('uuid-existing');
  });

  it('rethrows a conflict it cannot resolve', async () => {
    lambda.on(CreateEventSourceMappingCommand).rejects(conflict());
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn);

    await expect(mappings.create(queueArn)).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('enables and disables a mapping by its UUID', async () => {
    lambda.on(UpdateEventSourceMappingCommand).resolves({});
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn);

    await mappings.setEnabled('uuid-1', false);
    await mappings.setEnabled('uuid-1', true);

    expect(lambda).toHaveReceivedNthCommandWith(1, UpdateEventSourceMappingCommand, { UUID: 'uuid-1', Enabled: false });
    expect(lambda).toHaveReceivedNthCommandWith(2, UpdateEventSourceMappingCommand, { UUID: 'uuid-1', Enabled: true });
  });

  it('rides out control-plane throttling and in-progress updates with backoff', async () => {
    const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    lambda
      .on(UpdateEventSourceMappingCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(new ResourceInUseException({ message: 'UPDATING', $metadata: {} }))
      .rejectsOnce(throttled())
      .resolves({});
    const waits: number[] = [];
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn, async (ms) => waits.push(ms));

    await mappings.setEnabled('uuid-1', false);

    expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 4);
    expect(waits).toHaveLength(3);
    expect(waits.every((ms, attempt) => ms >= 0 && ms <= 250 * 2 ** attempt)).toBe(true);
  });

  it('gives up on persistent throttling so the prober can try later', async () => {
    lambda.on(UpdateEventSourceMappingCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn, async () => undefined);

    await expect(mappings.setEnabled('uuid-1', false)).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 9);
  });

  it('does not retry an error that is not throttling', async () => {
    lambda.on(UpdateEventSourceMappingCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn, async () => undefined);

    await expect(mappings.setEnabled('uuid-1', true)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 1);
  });

  it('treats deleting a mapping that is already gone as done', async () => {
    lambda.on(DeleteEventSourceMappingCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const mappings = new LambdaEventSourceMappings(new LambdaClient({}), deliveryArn);

    await expect(mappings.remove('uuid-1')).resolves.toBeUndefined();
  });
});
