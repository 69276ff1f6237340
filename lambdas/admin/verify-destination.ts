/** `POST /v1/admin/destinations/{id}/verify`, and the challenge a destination created with verification gets at once. */
import { notUnverified, verificationFailed } from '../shared/domain/errors';
import type { Destination } from '../shared/domain/model';
import { verifyEndpoint } from '../shared/destinations/verify-endpoint';
import { type AdminPorts, describeDestination, requireDestination } from './directory-admin';
import { VERIFY_WAIT_MS } from './verification-attempts';

/** What `verifyDestination` answers: the destination as `GET` shows it, or why the challenge failed. */
export type VerifyAnswer =
  | { readonly verified: true; readonly destination: Awaited<ReturnType<typeof describeDestination>> }
  | { readonly verified: false; readonly reason: string };

/**
 * `POST /v1/admin/destinations/{id}/verify`: sends the challenge now and waits for the answer.
 *
 * 1. Find the destination (404) and refuse unless it is unverified (409 `not_unverified`).
 * 2. Send the challenge (`verifyEndpoint`), waiting at most `min(timeoutMs, VERIFY_WAIT_MS)`.
 * 3. Echoed: answer the destination, now active (its mapping is enabled by the reconciler, and what
 *    waited in its queue is delivered in order). Not echoed: answer the reason (the route turns it
 *    into 422 `verification_failed`, once audited: the failure is recorded on the destination).
 *    Changed meanwhile (its URL changed, or another challenge verified it): read it again; active
 *    answers it, anything else is a failure `url_changed` (or 404 once deleted).
 */
export const verifyDestination = async (destinationId: string, ports: AdminPorts): Promise<VerifyAnswer> => {
  const destination: Destination = await requireDestination(destinationId, ports.directory);
  if (destination.status !== 'unverified') throw notUnverified(destination.status);
  ports.log.info('Operator asked to verify the endpoint', { destinationId });
  const result = await verifyEndpoint(destination, ports, VERIFY_WAIT_MS);
  if (result.outcome === 'failed') return { verified: false, reason: result.reason };
  if (result.outcome === 'changed' && (await requireDestination(destinationId, ports.directory)).status !== 'active')
    return { verified: false, reason: 'url_changed' };
  return { verified: true, destination: await describeDestination(destinationId, ports) };
};

/** The answer of the route: the destination, or 422 `verification_failed` naming the reason. */
export const answerOfVerify = (answer: VerifyAnswer) => {
  if (!answer.verified) throw verificationFailed(answer.reason);
  return answer.destination;
};
