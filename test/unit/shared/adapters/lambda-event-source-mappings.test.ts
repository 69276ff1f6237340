import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  LambdaEventSourceMappings,
  sdkMappingApi,
} from '../../../../lambdas/shared/adapters/lambda-event-source-mappings';
import { ControlPlaneBusyError } from '../../../../lambdas/shared/ports/queues';
import { TestBucket } from '../../../fixtures/pause-harness';

const lambda = mockClient(LambdaClient);
const deliveryArn = 'arn:aws:lambda:us-east-1:123456789012:function:conveyor-delivery';
const queueArn = 'arn:aws:sqs:us-east-1:123456789012:conveyor-dst_1.fifo';
const conflict = () => new ResourceConflictException({ message: 'exists', $metadata: {} });
const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
const inUse = () => new ResourceInUseException({ message: 'DISABLING', $metadata: {} });

/** The adapter over the SDK client, with a bucket the test fills (full unless told) and backoff waits recorded. */
const adapter = (bucket = new TestBucket()) => {
  const waits: number[] = [];
  const mappings = new LambdaEventSourceMappings(sdkMappingApi(new LambdaClient({})), {
    deliveryFunctionArn: deliveryArn,
    callsPerSecond: 5,
    bucket,
    wait: async (ms) => waits.push(ms),
  });
  return { mappings, waits, bucket };
};

const busyWith = (refusal: string) => expect.objectContaining({ name: 'ControlPlaneBusyError', refusal });

describe('LambdaEventSourceMappings', () => {
  beforeEach(() => lambda.reset());
  afterEach(() => jest.useRealTimers());

  describe('create', () => {
    it('creates an enabled mapping of up to 10 records that reports partial batch failures, at most 2 concurrent invocations', async () => {
      lambda.on(CreateEventSourceMappingCommand).resolves({ UUID: 'uuid-1', State: 'Creating' });

      expect(await adapter().mappings.create(queueArn)).toBe('uuid-1');
      expect(lambda).toHaveReceivedCommandWith(CreateEventSourceMappingCommand, {
        FunctionName: deliveryArn,
        EventSourceArn: queueArn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
        Enabled: true,
      });
    });

    it('finds the mapping a previous attempt created when asked again', async () => {
      lambda.on(CreateEventSourceMappingCommand).rejects(conflict());
      lambda
        .on(ListEventSourceMappingsCommand, { EventSourceArn: queueArn, FunctionName: deliveryArn })
        .resolves({ EventSourceMappings: [{ UUID: 'uuid-existing' }] });

      expect(await adapter().mappings.create(queueArn)).toBe('uuid-existing');
    });

    it('rethrows a conflict it cannot resolve', async () => {
      lambda.on(CreateEventSourceMappingCommand).rejects(conflict());
      lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });

      await expect(adapter().mappings.create(queueArn)).rejects.toBeInstanceOf(ResourceConflictException);
    });

    it('rides out throttling, a busy control plane and its own faults with backoff, each attempt waiting its token', async () => {
      lambda
        .on(CreateEventSourceMappingCommand)
        .rejectsOnce(throttled())
        .rejectsOnce(
          new ServiceException({ $fault: 'server', message: 'internal', $metadata: {} } as ConstructorParameters<
            typeof ServiceException
          >[0]),
        )
        .rejectsOnce(inUse())
        .resolves({ UUID: 'uuid-1' });
      const { mappings, waits, bucket } = adapter();
      bucket.tokens = 4;

      expect(await mappings.create(queueArn)).toBe('uuid-1');
      expect(lambda).toHaveReceivedCommandTimes(CreateEventSourceMappingCommand, 4);
      expect(bucket).toMatchObject({ tokens: 0, waited: 0 });
      expect(waits).toHaveLength(3);
      expect(waits.every((ms, index) => ms >= 0 && ms <= Math.min(4000, 500 * 2 ** (index + 1)))).toBe(true);
    });

    it('gives up after four attempts, so a registration still answers within 30 s', async () => {
      lambda.on(CreateEventSourceMappingCommand).rejects(throttled());

      await expect(adapter().mappings.create(queueArn)).rejects.toBeInstanceOf(TooManyRequestsException);
      expect(lambda).toHaveReceivedCommandTimes(CreateEventSourceMappingCommand, 4);
    });
  });

  describe('setEnabled', () => {
    it('enables and disables a mapping by its UUID, one call each', async () => {
      lambda.on(UpdateEventSourceMappingCommand).resolves({});
      const { mappings } = adapter();

      await mappings.setEnabled('uuid-1', false);
      await mappings.setEnabled('uuid-1', true);

      expect(lambda).toHaveReceivedNthCommandWith(1, UpdateEventSourceMappingCommand, {
        UUID: 'uuid-1',
        Enabled: false,
      });
      expect(lambda).toHaveReceivedNthCommandWith(2, UpdateEventSourceMappingCommand, {
        UUID: 'uuid-1',
        Enabled: true,
      });
    });

    it.each([
      ['throttled', throttled],
      ['in_use', inUse],
      ['conflict', conflict],
    ])(
      'answers a refusal (%s) as ControlPlaneBusyError after one call, for the next pass to retry',
      async (refusal, error) => {
        lambda.on(UpdateEventSourceMappingCommand).rejects(error());

        await expect(adapter().mappings.setEnabled('uuid-1', false)).rejects.toEqual(busyWith(refusal));
        expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 1);
      },
    );

    it('throws any other error as raised', async () => {
      lambda
        .on(UpdateEventSourceMappingCommand)
        .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

      await expect(adapter().mappings.setEnabled('uuid-1', true)).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('makes no call without a token: the bucket refuses it as throttled', async () => {
      const bucket = new TestBucket();
      bucket.tokens = 0;

      await expect(adapter(bucket).mappings.setEnabled('uuid-1', false)).rejects.toBeInstanceOf(ControlPlaneBusyError);
      await expect(adapter(bucket).mappings.describe('uuid-1')).rejects.toEqual(busyWith('throttled'));
      expect(lambda.calls()).toHaveLength(0);
    });
  });

  describe('describe and list', () => {
    it('describes a mapping by its state, and one that is gone as undefined', async () => {
      lambda
        .on(GetEventSourceMappingCommand, { UUID: 'uuid-1' })
        .resolves({ UUID: 'uuid-1', EventSourceArn: queueArn, State: 'Disabling' });
      lambda
        .on(GetEventSourceMappingCommand, { UUID: 'uuid-2' })
        .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
      const { mappings } = adapter();

      expect(await mappings.describe('uuid-1')).toEqual({ mappingId: 'uuid-1', queueArn, state: 'Disabling' });
      expect(await mappings.describe('uuid-2')).toBeUndefined();
    });

    it('lists every mapping of the delivery function, page by page, a token per page', async () => {
      lambda
        .on(ListEventSourceMappingsCommand, { FunctionName: deliveryArn, MaxItems: 100, Marker: undefined })
        .resolves({
          EventSourceMappings: [{ UUID: 'uuid-1', EventSourceArn: queueArn, State: 'Enabled' }],
          NextMarker: 'page-2',
        })
        .on(ListEventSourceMappingsCommand, { FunctionName: deliveryArn, MaxItems: 100, Marker: 'page-2' })
        .resolves({
          EventSourceMappings: [
            { UUID: 'uuid-2', EventSourceArn: queueArn.replace('dst_1', 'dst_2'), State: 'Disabled' },
          ],
        });
      const bucket = new TestBucket();
      bucket.tokens = 2;

      expect((await adapter(bucket).mappings.list()).map((mapping) => [mapping.mappingId, mapping.state])).toEqual([
        ['uuid-1', 'Enabled'],
        ['uuid-2', 'Disabled'],
      ]);
      expect(bucket).toMatchObject({ tokens: 0, waited: 0 });
    });
  });

  it('treats deleting a mapping that is already gone as done', async () => {
    lambda
      .on(DeleteEventSourceMappingCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    await expect(adapter().mappings.remove('uuid-1')).resolves.toBeUndefined();
  });

  it('makes at most 5 calls a second by default, from a bucket that starts empty', async () => {
    jest.useFakeTimers();
    lambda.on(UpdateEventSourceMappingCommand).resolves({});
    const mappings = new LambdaEventSourceMappings(sdkMappingApi(new LambdaClient({})), {
      deliveryFunctionArn: deliveryArn,
      callsPerSecond: 5,
    });
    const tryCalls = async (count: number) => {
      const results = await Promise.allSettled(
        Array.from({ length: count }, () => mappings.setEnabled('uuid-1', false)),
      );
      return results.filter((result) => result.status === 'fulfilled').length;
    };

    expect(await tryCalls(20)).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(await tryCalls(20)).toBe(5);
    jest.advanceTimersByTime(3000);
    // The bucket holds one second's worth, however long it waited.
    expect(await tryCalls(20)).toBe(5);
    jest.advanceTimersByTime(200);
    expect(await tryCalls(20)).toBe(1);
    expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 11);
  });
});
