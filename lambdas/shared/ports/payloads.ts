/** The payload port: payloads that do not travel inside a queue message. */
import type { PayloadReference } from '../domain/envelope';

/**
 * Payloads too large to travel inline (SQS takes at most 1 MiB, and ten entries must fit one 6 MB
 * Lambda invocation: `domain/size-limits.ts`), and uploaded documents, kept in S3 (KMS-encrypted)
 * while their queue entries carry a reference. One object per message, shared by its transmissions.
 */
export interface PayloadStore {
  /** Resolves once the payload is stored; returns the key the queue entries carry (`dataRef`). */
  put(messageId: string, rawData: string): Promise<string>;
  /**
   * The payload's bytes (UTF-8 JSON), exactly as stored. With `reference.etag`, only while the
   * object still has that ETag.
   * @throws PayloadChangedError when the object no longer has `reference.etag`; the SDK's error
   *   when it is missing or S3 fails
   */
  get(reference: PayloadReference): Promise<Buffer>;
  /**
   * Removes a payload no queue entry, spill or parked entry will read again (its message is
   * settled, and the payload is kept for the retention elsewhere when there is one). Removing one
   * already gone is no error.
   * @throws the SDK's error when S3 fails
   */
  remove(reference: PayloadReference): Promise<void>;
}

/** The payload object was replaced after ingest checked it: its bytes are not the ones acknowledged. */
export class PayloadChangedError extends Error {
  override name = 'PayloadChangedError';
}
