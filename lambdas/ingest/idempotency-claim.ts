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

/** What a claim needs: the store that keeps the keys, the log, and the lease. */
export interface ClaimPorts {
  readonly messages: Pick<MessageStore, 'claimIdempotencyKey'>;
  readonly log: Log;
  /** How long (ms) an unfinished request holds its key against a concurrent retry. */
  readonly idempotencyLeaseMs: number;
}

/** A claim under way: the request it claims for and its outcome, once the store answers. */
export interface StartedClaim {
  readonly request: IdempotencyRequest;
  /** The store's answer; rejects with 503 `not_accepted` when the store fails (never unhandled). */
  readonly outcome: Promise<IdempotencyClaim>;
}

/**
 * Starts claiming `key` for message `messageId` of `sourceId`, bound to the exact body (its
 * SHA-256), with the lease `ports.idempotencyLeaseMs`; undefined without a key.
 */
export const startClaim = (
  key: string | undefined,
  ids: { readonly sourceId: string; readonly messageId: string },
  body: string,
  ports: ClaimPorts,
): StartedClaim | undefined => {
  if (key === undefined) return undefined;
  const request: IdempotencyRequest = {
    sourceId: ids.sourceId,
    key,
    requestHash: createHash('sha256').update(body).digest('hex'),
    messageId: ids.messageId,
    leaseMs: ports.idempotencyLeaseMs,
  };
  const outcome = ports.messages.claimIdempotencyKey(request).catch((error: unknown) => {
    ports.log.error('Idempotency-Key could not be claimed', { ...ids, ...errorFields(error) });
    throw notAccepted('A dependency failed.');
  });
  outcome.catch(() => undefined);
  return { request, outcome };
};

/**
 * What the claim's outcome means for the request: undefined when the request holds the key (it
 * goes on); the first answer when an earlier request with the same body was answered, once
 * `confirmed` (the source's confirmation: the first answer is the source's only, repeated only to
 * a key the store still holds).
 * @throws 422 `idempotency_key_reused` (the key was answered for another body), 503
 *   `not_accepted` (another request with the key is still being processed, or the claim failed),
 *   or what `confirmed` rejects with
 */
export const earlierAnswer = async (
  claim: StartedClaim,
  confirmed: Promise<void>,
  ports: ClaimPorts,
): Promise<AcceptedMessage | undefined> => {
  const outcome = await claim.outcome;
  if (outcome.outcome === 'claimed') return undefined;
  if (outcome.outcome === 'in_progress')
    throw notAccepted('A request with this Idempotency-Key is still being processed.');
  if (outcome.requestHash !== claim.request.requestHash) throw idempotencyKeyReused();
  await confirmed;
  ports.log.info('Repeated Idempotency-Key answered', {
    sourceId: claim.request.sourceId,
    messageId: outcome.answer.messageId,
  });
  return outcome.answer;
};
