import { GetEventSourceMappingCommand, LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { lazyEventSourceMappings, lazySesMailer } from '../../../../lambdas/shared/adapters/lazy-adapters';

const lambda = mockClient(LambdaClient);
const ses = mockClient(SESClient);

describe('adapters loaded on first use', () => {
  beforeEach(() => {
    lambda.reset();
    ses.reset();
  });
  afterEach(() => jest.useRealTimers());

  it('loads the Lambda adapter when a mapping is first read or changed, and reuses it (one bucket)', async () => {
    jest.useFakeTimers();
    lambda.on(UpdateEventSourceMappingCommand).resolves({});
    lambda
      .on(GetEventSourceMappingCommand)
      .resolves({ UUID: 'uuid-1', EventSourceArn: 'arn:aws:sqs:us-east-1:1:q.fifo', State: 'Enabled' });
    const mappings = lazyEventSourceMappings({ callsPerSecond: 3 });
    // Loaded by the first call, with a bucket that starts empty; one second gives it three tokens.
    await expect(mappings.describe('uuid-1')).rejects.toMatchObject({ refusal: 'throttled' });
    jest.advanceTimersByTime(1000);

    await mappings.setEnabled('uuid-1', false);
    await mappings.setEnabled('uuid-1', true);
    expect(await mappings.describe('uuid-1')).toMatchObject({ state: 'Enabled' });
    await expect(mappings.setEnabled('uuid-1', false)).rejects.toMatchObject({ refusal: 'throttled' });

    expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input)).toEqual([
      { UUID: 'uuid-1', Enabled: false },
      { UUID: 'uuid-1', Enabled: true },
    ]);
  });

  it('sends alerts through SES from the configured address', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm1' });

    await lazySesMailer('alerts@example.org').send({
      to: 'lab@example.org',
      subject: '[Conveyor] Paused: Lab',
      body: 'text',
    });

    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Source: 'alerts@example.org',
      Destination: { ToAddresses: ['lab@example.org'] },
    });
  });
});
