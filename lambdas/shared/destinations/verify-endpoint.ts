/**
 * Endpoint verification: before anything is delivered to a destination's URL, the endpoint there
 * must echo a random challenge, which shows that a receiver answers at that URL on purpose (not a
 * typo, not a retired host). The challenge is signed like a delivery, so a receiver that checks
 * signatures echoes only Conveyor's; the echo itself does not prove the receiver holds the secret
 * (one that reflects any body would pass).
 */
import { randomBytes } from 'node:crypto';
import type { AttemptOutcome } from '../domain/failures';
import { newId } from '../domain/ids';
import type { UnverifiedDestination } from '../domain/model';
import { signedHeaders } from '../domain/signature';
import type { Deliverer } from '../ports/deliverer';
import type { DestinationVerifications } from '../ports/destination-verification';
import type { Clock, Log } from '../ports/observe';
import { postPresentingClientCertificate } from '../transmissions/present-client-certificate';

/** The `type` of the challenge body: `{"type": "conveyor.verification", "challenge": "<token>"}`. */
export const VERIFICATION_TYPE = 'conveyor.verification';

/** Random bytes in a challenge token (base64url: 43 characters, far inside the 1,024-byte excerpt kept of an answer). */
const CHALLENGE_BYTES = 32;

/** What verifying an endpoint takes. */
export interface VerifyEndpointPorts {
  readonly deliverer: Deliverer;
  readonly verifications: DestinationVerifications;
  readonly clock: Clock;
  readonly log: Log;
}

/**
 * How a challenge ended: `verified` (the destination is active now), `failed` with the reason
 * (recorded on the destination as `verification.lastError`), or `changed`: the endpoint answered
 * but the destination is no longer unverified with that URL (its URL changed, or it was deleted,
 * meanwhile), so nothing was recorded.
 */
export type VerificationResult =
  | { readonly outcome: 'verified' }
  | { readonly outcome: 'failed'; readonly reason: string; readonly at: string }
  | { readonly outcome: 'changed' };

/** Why an attempt without a 2xx failed, in the attempt log's terms (`http_error 404`, `timeout (connect)`, …). */
const failureOf = (outcome: AttemptOutcome): string => {
  if (outcome.kind === 'answered') return `http_error ${outcome.status}`;
  if (outcome.reason === 'address_refused') return 'address_refused';
  if (outcome.reason === 'timeout') return outcome.phase ? `timeout (${outcome.phase})` : 'timeout';
  return outcome.code ? `connection_error (${outcome.code})` : 'connection_error';
};

/**
 * Judges an endpoint's answer to a challenge: undefined when it echoed it (a 2xx whose body is a
 * JSON object with `challenge` equal to `token`), else why not: the attempt's failure, `not_json`
 * (a 2xx whose body is not a JSON object) or `challenge_mismatch` (any other `challenge`, or none).
 * `responseExcerpt` is the first 1,024 bytes of the body (`DeliveryOutcome`).
 */
export const judgeChallengeAnswer = (
  outcome: AttemptOutcome & { readonly responseExcerpt?: string },
  token: string,
): string | undefined => {
  if (outcome.kind !== 'answered' || outcome.status < 200 || outcome.status > 299) return failureOf(outcome);
  let answer: unknown;
  try {
    answer = JSON.parse(outcome.responseExcerpt ?? '');
  } catch {
    return 'not_json';
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return 'not_json';
  return (answer as Record<string, unknown>).challenge === token ? undefined : 'challenge_mismatch';
};

/**
 * Sends one verification challenge to an unverified destination and records how it ended.
 *
 * 1. Make a random token (32 bytes, base64url) and the body
 *    `{"type":"conveyor.verification","challenge":"<token>"}`, signed like any delivery (Standard
 *    Webhooks v1 with the destination's secret; `webhook-id` is `verify_<ulid>`; no sequence).
 * 2. POST it to the destination's URL, waiting at most `min(timeoutMs, maxWaitMs)` ms, with its
 *    client certificate and CA bundle when it has them (`postPresentingClientCertificate`).
 * 3. The endpoint must answer 2xx with a JSON body `{"challenge": "<token>"}` (other fields allowed).
 * 4. Echoed: record it `active` (its mapping to be enabled: what waited in its queue is delivered
 *    then, in order). Not echoed: record the reason and the time as `verification` on it; it stays
 *    `unverified`. Either write holds only while it is still unverified with the URL challenged
 *    (otherwise `changed`, nothing recorded).
 *
 * Logs the destination id and the reason, never the token, the secret or the endpoint's answer.
 * Throws what the store throws.
 */
export const verifyEndpoint = async (
  destination: UnverifiedDestination,
  ports: VerifyEndpointPorts,
  maxWaitMs: number,
): Promise<VerificationResult> => {
  const { id: destinationId, url } = destination;
  const token = randomBytes(CHALLENGE_BYTES).toString('base64url');
  const body = Buffer.from(JSON.stringify({ type: VERIFICATION_TYPE, challenge: token }), 'utf8');
  const webhookId = newId('verification');
  const sentAt = ports.clock();
  // With the destination's client certificate and CA bundle, as its deliveries will be made.
  const outcome = await postPresentingClientCertificate(
    ports.deliverer,
    destination,
    {
      url,
      body,
      headers: signedHeaders({ signingSecret: destination.signingSecret, webhookId, body, sentAt }),
      timeoutMs: Math.min(destination.timeoutMs, maxWaitMs),
    },
    sentAt,
    ports.log,
  );
  const reason = judgeChallengeAnswer(outcome, token);
  if (reason === undefined) {
    if (!(await ports.verifications.recordVerified(destinationId, url))) {
      ports.log.warn('Endpoint verified, but the destination changed meanwhile; nothing recorded', { destinationId });
      return { outcome: 'changed' };
    }
    ports.log.info('Endpoint verified: destination active', { destinationId, durationMs: outcome.durationMs });
    return { outcome: 'verified' };
  }
  const at = ports.clock().toISOString();
  const recorded = await ports.verifications.recordVerificationFailed(destinationId, url, {
    lastAttemptAt: at,
    lastError: reason,
  });
  ports.log.warn('Endpoint verification failed', { destinationId, reason, recorded });
  return recorded ? { outcome: 'failed', reason, at } : { outcome: 'changed' };
};
