/** How long the admin API waits for a verification challenge's answer, and the challenge sent at registration. */
import type { UnverifiedDestination } from '../shared/domain/model';
import { type VerificationResult, verifyEndpoint } from '../shared/destinations/verify-endpoint';
import { errorFields } from '../shared/runtime/logging';
import type { AdminPorts } from './directory-admin';

/**
 * How long (ms) `POST …/verify` waits for the endpoint's answer at most, whatever the destination's
 * timeout (up to 30 s): its answer must leave room inside API Gateway's 29 s integration timeout.
 */
export const VERIFY_WAIT_MS = 20_000;

/**
 * How long (ms) the challenge sent right after a registration waits at most: the registration has
 * spent some of API Gateway's 29 s creating the queue and mapping already. An endpoint slower than
 * this stays unverified, and `POST …/verify` tries again with `VERIFY_WAIT_MS`.
 */
export const VERIFY_AT_CREATION_WAIT_MS = 10_000;

/**
 * The challenge sent right after a registration: its outcome, or undefined when it could not be
 * recorded (logged; the destination stays unverified, `POST …/verify` tries again). Never throws:
 * the destination exists by then, so the registration answers 201 either way.
 */
export const verifyAtCreation = async (
  destination: UnverifiedDestination,
  ports: AdminPorts,
): Promise<VerificationResult | undefined> => {
  try {
    return await verifyEndpoint(destination, ports, VERIFY_AT_CREATION_WAIT_MS);
  } catch (error) {
    ports.log.error('Could not record the verification of a new destination', {
      destinationId: destination.id,
      ...errorFields(error),
    });
    return undefined;
  }
};
