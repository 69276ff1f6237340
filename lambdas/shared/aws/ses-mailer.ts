import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Mailer } from '../ports';

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
