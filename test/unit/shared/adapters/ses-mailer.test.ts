import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSesMailer } from '../../../../lambdas/shared/adapters/ses-mailer';

/*
 * A real SES client against a local endpoint (no mock: the SDK's retries are what is under test).
 * The endpoint answers every send with a 500, as SES does when it may or may not have sent.
 */
const ENV = {
  AWS_ENDPOINT_URL_SES: '',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

describe('SesMailer', () => {
  let server: Server;
  let sends = 0;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        sends++;
        response.writeHead(500, { 'content-type': 'text/xml' });
        response.end(
          '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>lost</Message></Error><RequestId>r1</RequestId></ErrorResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    for (const [name, value] of Object.entries({
      ...ENV,
      AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    sends = 0;
  });

  it('sends an alert at most once: a failed send is not retried by the SDK (the outbox retries it)', async () => {
    const mailer = createSesMailer('alerts@example.org');

    await expect(
      mailer.send({ to: 'lab@example.org', subject: '[Conveyor] Paused: Lab', body: 'text' }),
    ).rejects.toThrow();

    expect(sends).toBe(1);
  });
});
