import { SESClient, type SESClientConfig, SendEmailCommand } from '@aws-sdk/client-ses';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Mailer } from '../ports/alerts';

/** Sends alert emails through SES from the deployment's verified sender address. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly fromAddress: string,
  ) {}

  async send(email: { to: string; subject: string; body: string }): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        Source: this.fromAddress,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.body, Charset: 'UTF-8' } },
        },
      }),
    );
  }
}

/** A mailer with its own SES client. An alert must never hold up delivery: short timeouts, few retries. */
export const createSesMailer = (fromAddress: string, clientConfig: SESClientConfig = {}): SesMailer =>
  new SesMailer(
    new SESClient({ ...clientConfig, requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }), maxAttempts: 2 }),
    fromAddress,
  );
