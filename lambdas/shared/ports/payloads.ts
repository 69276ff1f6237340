/** The payload port: payloads too large for a queue message. */

/**
 * Payloads too large to travel inline (SQS takes at most 1 MiB, and ten entries must fit one 6 MB
 * Lambda invocation: `domain/size-limits.ts`), kept in S3 (KMS-encrypted) while
 * their queue entries carry a reference. One object per message, shared by its transmissions.
 */
export interface PayloadStore {
  /** Resolves once the payload is stored; returns the reference the queue entries carry. */
  put(messageId: string, rawData: string): Promise<string>;
  get(reference: string): Promise<string>;
}
