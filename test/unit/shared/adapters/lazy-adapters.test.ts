import { LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
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

  it('loads the Lambda adapter when a mapping is first changed, and reuses it', async () => {
    lambda.on(UpdateEventSourceMappingCommand).resolves({});
    const mappings = lazyEventSourceMappings();

    await mappings.setEnabled('uuid-1', false);
    await mappings.setEnabled('uuid-1', true);

    expect(lambda).toHaveReceivedCommandTimes(UpdateEventSourceMappingCommand, 2);
    expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input)).toEqual([
      { UUID: 'uuid-1', Enabled: false },
      { UUID: 'uuid-1', Enabled: true },
    ]);
  });

  it('sends alerts through SES from the configured address', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm1' });

    await lazySesMailer('alerts@example.org').send({ to: 'lab@example.org', subject: '[Conveyor] Paused: Lab', body: 'text' });

    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, { Source: 'alerts@example.org', Destination: { ToAddresses: ['lab@example.org'] } });
  });
});
