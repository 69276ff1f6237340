import { SESClient, type SESClientConfig, SendEmailCommand } from '@aws-sdk/client-ses';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Mailer } from '../ports/alerts';

/** Sends alert emails through SES from the deployment's verified sender address. */
export class SesMailer implements Mailer {
  /**
   * @param client an SES client that does not retry (`createSesMailer`)
   * @param fromAddress the sender, an identity verified in SES
   */
  constructor(
    private readonly client: SESClient,
    private readonly fromAddress: string,
  ) {}

  /**
   * Sends one plain-text email (UTF-8), in one SendEmail call.
   * @throws the SDK's error when SES refuses it or does not answer: the email may or may not have
   *   been sent, and the caller (the outbox) decides whether to send it again
   */
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

/**
 * A mailer with its own SES client. An alert must never hold up delivery: short timeouts (2 s to
 * connect, 5 s for the answer). And it sends at most once per call: `maxAttempts: 1`, because the
 * SDK retries 5xx answers and timeouts, and a send whose answer was lost has been sent (SendEmail
 * has no idempotency token), so a retry would send the email twice. The outbox retries instead,
 * once its claim on the email runs out (`pauses/alert-outbox.ts`).
 */
export const createSesMailer = (fromAddress: string, clientConfig: SESClientConfig = {}): SesMailer =>
  new SesMailer(
    new SESClient({
      ...clientConfig,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
      maxAttempts: 1,
    }),
    fromAddress,
  );
