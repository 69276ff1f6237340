/**
 * The claim of a request's `Idempotency-Key` (`POST /v1/messages`), answered before anything is
 * written for the request: a retry gets the first answer and enqueues nothing new, and a key holds
 * one message.
 */
import { createHash } from 'node:crypto';
import { idempotencyKeyReused, notAccepted } from '../shared/domain/errors';
import type { AcceptedMessage } from '../shared/domain/model';
import type { IdempotencyClaim, IdempotencyRequest, MessageStore } from '../shared/ports/messages';
import type { Log } from '../shared/ports/observe';
import { errorFields } from '../shared/runtime/logging';

/** What a claim needs: the store that keeps the keys, and the log. */
export interface ClaimPorts {
  readonly messages: Pick<MessageStore, 'claimIdempotencyKey'>;
  readonly log: Log;
}

/**
 * The claim of `key` for message `messageId` of `sourceId`, bound to the exact body (its
 * SHA-256), with the lease `leaseMs` (ms); undefined without a key.
 */
export const idempotencyRequestOf = (
  key: string | undefined,
  ids: { readonly sourceId: string; readonly messageId: string },
  body: string,
  leaseMs: number,
): IdempotencyRequest | undefined =>
  key === undefined
    ? undefined
    : {
        sourceId: ids.sourceId,
        key,
        requestHash: createHash('sha256').update(body).digest('hex'),
        messageId: ids.messageId,
        leaseMs,
      };

/**
 * Claims the key and says what the outcome means for the request: undefined when the request
 * holds the key (it goes on); the first answer when an earlier request with the same body was
 * answered, once `confirmed` (the source's confirmation: the first answer is the source's only,
 * repeated only to a key the store still holds). A claim the store fails is logged by ids.
 * @throws 422 `idempotency_key_reused` (the key was answered for another body), 503
 *   `not_accepted` (another request with the key is still being processed, or the claim failed),
 *   or what `confirmed` rejects with
 */
export const claimKey = async (
  request: IdempotencyRequest,
  confirmed: Promise<void>,
  ports: ClaimPorts,
): Promise<AcceptedMessage | undefined> => {
  let outcome: IdempotencyClaim;
  try {
    outcome = await ports.messages.claimIdempotencyKey(request);
  } catch (error) {
    ports.log.error('Idempotency-Key could not be claimed', {
      sourceId: request.sourceId,
      messageId: request.messageId,
      ...errorFields(error),
    });
    throw notAccepted('A dependency failed.');
  }
  if (outcome.outcome === 'claimed') return undefined;
  if (outcome.outcome === 'in_progress')
    throw notAccepted('A request with this Idempotency-Key is still being processed.');
  if (outcome.requestHash !== request.requestHash) throw idempotencyKeyReused();
  await confirmed;
  ports.log.info('Repeated Idempotency-Key answered', {
    sourceId: request.sourceId,
    messageId: outcome.answer.messageId,
  });
  return outcome.answer;
};
