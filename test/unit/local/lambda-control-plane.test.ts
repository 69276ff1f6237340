import { ResourceConflictException, ResourceInUseException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaEventSourceMappings } from '../../../lambdas/shared/adapters/lambda-event-source-mappings';
import { LOCAL_DELIVERY_FUNCTION_ARN, LocalLambdaControlPlane } from '../../../local/lambda-control-plane';
import type { MappingPollers } from '../../../local/mapping-pollers';
import { TestBucket } from '../../fixtures/pause-harness';

const queueArn = (n: number) => `arn:aws:sqs:us-east-1:000000000000:conveyor-local-dst_${n}.fifo`;

/** Pollers that only record which mappings run. */
const fakePollers = () => {
  const running = new Set<string>();
  const pollers = {
    start: async (uuid: string) => void running.add(uuid),
    stop: async (uuid: string) => void running.delete(uuid),
    stopAll: async () => running.clear(),
  };
  return { running, pollers: pollers as unknown as MappingPollers };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-control-plane-'));
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const controlPlane = (fidelity: 'default' | 'aws', random = () => 0.5) => {
  const { running, pollers } = fakePollers();
  return { running, plane: new LocalLambdaControlPlane(join(dir, 'mappings.json'), pollers, { fidelity, random }) };
};

describe('LocalLambdaControlPlane, default mode', () => {
  it('applies every change at once, runs a poller while enabled and persists the flags', async () => {
    const { running, plane } = controlPlane('default');
    const { UUID } = await plane.createEventSourceMapping({
      EventSourceArn: queueArn(1),
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
    });

    expect((await plane.getEventSourceMapping({ UUID })).State).toBe('Enabled');
    expect(running.has(UUID!)).toBe(true);
    await plane.updateEventSourceMapping({ UUID, Enabled: false });
    expect((await plane.getEventSourceMapping({ UUID })).State).toBe('Disabled');
    expect(running.has(UUID!)).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'mappings.json'), 'utf8'))).toEqual({
      [UUID!]: { queueArn: queueArn(1), enabled: false },
    });
    // A repeated registration finds its mapping.
    expect(
      (await plane.createEventSourceMapping({ EventSourceArn: queueArn(1), FunctionName: LOCAL_DELIVERY_FUNCTION_ARN }))
        .UUID,
    ).toBe(UUID);
  });
});

describe('LocalLambdaControlPlane, fidelity mode (aws)', () => {
  it('takes 1–5 s to change state, polling meanwhile, and refuses another update until then', async () => {
    const { running, plane } = controlPlane('aws', () => 0.5);
    const { UUID, State } = await plane.createEventSourceMapping({
      EventSourceArn: queueArn(1),
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
    });
    expect(State).toBe('Creating');
    await jest.advanceTimersByTimeAsync(3000);
    expect((await plane.getEventSourceMapping({ UUID })).State).toBe('Enabled');
    expect(running.has(UUID!)).toBe(true);

    expect((await plane.updateEventSourceMapping({ UUID, Enabled: false })).State).toBe('Disabling');
    await expect(plane.updateEventSourceMapping({ UUID, Enabled: true })).rejects.toBeInstanceOf(
      ResourceInUseException,
    );
    await jest.advanceTimersByTimeAsync(2999);
    // Still disabling (1 s + 0.5 × 4 s): the poller still runs.
    expect(running.has(UUID!)).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect((await plane.getEventSourceMapping({ UUID })).State).toBe('Disabled');
    expect(running.has(UUID!)).toBe(false);
    expect(plane.calls.inUse).toBe(1);
  });

  it('refuses a second mapping of the same queue with ResourceConflictException', async () => {
    const { plane } = controlPlane('aws');
    await plane.createEventSourceMapping({ EventSourceArn: queueArn(1), FunctionName: LOCAL_DELIVERY_FUNCTION_ARN });

    await expect(
      plane.createEventSourceMapping({ EventSourceArn: queueArn(1), FunctionName: LOCAL_DELIVERY_FUNCTION_ARN }),
    ).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('refuses calls beyond 15 in any second with TooManyRequestsException, whatever the operation', async () => {
    const { plane } = controlPlane('aws');
    const { UUID } = await plane.createEventSourceMapping({
      EventSourceArn: queueArn(1),
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
    });
    for (let call = 0; call < 7; call++) await plane.getEventSourceMapping({ UUID });
    for (let call = 0; call < 7; call++) await plane.listEventSourceMappings({});

    await expect(plane.getEventSourceMapping({ UUID })).rejects.toBeInstanceOf(TooManyRequestsException);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(plane.getEventSourceMapping({ UUID })).resolves.toMatchObject({ UUID });
    expect(plane.calls).toMatchObject({ create: 1, get: 8, list: 7, throttled: 1 });
  });

  it('lists 100 mappings a page', async () => {
    const { plane } = controlPlane('default');
    for (let n = 0; n < 150; n++)
      await plane.createEventSourceMapping({ EventSourceArn: queueArn(n), FunctionName: LOCAL_DELIVERY_FUNCTION_ARN });

    const first = await plane.listEventSourceMappings({ FunctionName: LOCAL_DELIVERY_FUNCTION_ARN });
    const second = await plane.listEventSourceMappings({
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
      Marker: first.NextMarker,
    });

    expect([first.EventSourceMappings!.length, second.EventSourceMappings!.length, second.NextMarker]).toEqual([
      100,
      50,
      undefined,
    ]);
  });

  it('lets the shared adapter read its refusals as Lambda’s: throttled and in use are “busy”, never a failure', async () => {
    const { plane } = controlPlane('aws');
    const { UUID } = await plane.createEventSourceMapping({
      EventSourceArn: queueArn(1),
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
    });
    await jest.advanceTimersByTimeAsync(5000);
    const mappings = new LambdaEventSourceMappings(plane, {
      deliveryFunctionArn: LOCAL_DELIVERY_FUNCTION_ARN,
      callsPerSecond: 100,
      bucket: new TestBucket(),
    });

    await mappings.setEnabled(UUID!, false);
    await expect(mappings.setEnabled(UUID!, true)).rejects.toMatchObject({
      name: 'ControlPlaneBusyError',
      refusal: 'in_use',
    });
    for (let call = 0; call < 13; call++) await mappings.describe(UUID!);
    await expect(mappings.describe(UUID!)).rejects.toMatchObject({
      name: 'ControlPlaneBusyError',
      refusal: 'throttled',
    });
  });

  it('applies a change still under way when it stopped, on the next start', async () => {
    const first = controlPlane('aws');
    const { UUID } = await first.plane.createEventSourceMapping({
      EventSourceArn: queueArn(1),
      FunctionName: LOCAL_DELIVERY_FUNCTION_ARN,
    });
    await jest.advanceTimersByTimeAsync(5000);
    await first.plane.updateEventSourceMapping({ UUID, Enabled: false });
    await first.plane.stop();

    const second = controlPlane('aws');
    await second.plane.resume();

    expect(second.plane.stateOf(UUID!)).toBe('Disabled');
    expect(second.running.size).toBe(0);
  });
});
