import { createHmac } from 'node:crypto';

/** What a Standard Webhooks secret starts with; the rest is the key, base64. */
const SECRET_PREFIX = 'whsec_';

/**
 * The Standard Webhooks v1 signature (`v1,<base64 HMAC-SHA256>`) of `body` sent as
 * `transmissionId` at `sentAt`: the HMAC, keyed with the secret's base64-decoded key, of
 * `<id>.<timestamp in s>.<body bytes>` (Standard Webhooks specification, "Signature scheme").
 * Computed over the bytes as they are, in parts, with node:crypto: a 50 MB body is neither
 * copied nor decoded to a string (the `standardwebhooks` library's `sign` does both, and is what
 * the tests verify these signatures with).
 */
export const signatureOf = (signingSecret: string, transmissionId: string, sentAt: Date, body: Uint8Array): string => {
  const key = Buffer.from(
    signingSecret.startsWith(SECRET_PREFIX) ? signingSecret.slice(SECRET_PREFIX.length) : signingSecret,
    'base64',
  );
  const signature = createHmac('sha256', key)
    .update(`${transmissionId}.${Math.floor(sentAt.getTime() / 1000)}.`, 'utf8')
    .update(body)
    .digest('base64');
  return `v1,${signature}`;
};

/**
 * The Standard Webhooks v1 headers of a signed JSON POST (a delivery, or a verification challenge):
 * `webhook-id` is `webhookId`, `body` the exact bytes POSTed (UTF-8 JSON), `sentAt` its signing time.
 */
export const signedHeaders = (input: {
  signingSecret: string;
  webhookId: string;
  body: Uint8Array;
  sentAt: Date;
}): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'Conveyor/1',
  'webhook-id': input.webhookId,
  'webhook-timestamp': String(Math.floor(input.sentAt.getTime() / 1000)),
  'webhook-signature': signatureOf(input.signingSecret, input.webhookId, input.sentAt, input.body),
});

/**
 * The headers of one delivery attempt: Standard Webhooks v1 (`webhook-id` is the transmission id,
 * the same on every attempt) plus Conveyor's per-destination sequence number. `body` is the
 * exact bytes POSTed (UTF-8 JSON).
 */
export const deliveryHeaders = (input: {
  signingSecret: string;
  transmissionId: string;
  sequence: number;
  body: Uint8Array;
  sentAt: Date;
}): Record<string, string> => ({
  ...signedHeaders({ ...input, webhookId: input.transmissionId }),
  'conveyor-sequence': String(input.sequence),
});
