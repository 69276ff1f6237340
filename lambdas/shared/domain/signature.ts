import { Webhook } from 'standardwebhooks';

/**
 * The headers of one delivery attempt: Standard Webhooks v1 (`webhook-id` is the transmission id,
 * the same on every attempt) plus Conveyor's per-destination sequence number.
 */
export const deliveryHeaders = (input: {
  signingSecret: string;
  transmissionId: string;
  sequence: number;
  body: string;
  sentAt: Date;
}): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'Conveyor/1',
  'webhook-id': input.transmissionId,
  'webhook-timestamp': String(Math.floor(input.sentAt.getTime() / 1000)),
  'webhook-signature': new Webhook(input.signingSecret).sign(input.transmissionId, input.sentAt, input.body),
  'conveyor-sequence': String(input.sequence),
});
