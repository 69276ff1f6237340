/** The destination-verification port: the writes that move a destination into and out of `unverified`. */
import type { Destination, UnverifiedDestination, VerificationAttempt } from '../domain/model';
import type { DestinationChange } from './directory';

/**
 * Where an unverified destination's status is stored. Each write that changes the status also puts
 * the destination on the mapping worklist (disabled while unverified, enabled once active), in the
 * same transaction, so the reconciler turns the status into the mapping's state.
 */
export interface DestinationVerifications {
  /**
   * Records a destination's queue and mapping and makes it `unverified` (instead of `active`, as
   * `Directory.markDestinationProvisioned` does), with its mapping to be disabled; answers it as
   * stored. Safe to repeat.
   * @throws the store's error when the destination does not exist
   */
  markProvisionedUnverified(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<UnverifiedDestination>;
  /**
   * `unverified` → `active` (its last failed attempt removed, its mapping to be enabled), on
   * condition that it is still unverified with this `url` (a PATCH of the URL meanwhile makes the
   * answer of the old one worthless). True when recorded, by this call or its own earlier attempt.
   */
  recordVerified(id: string, url: string): Promise<boolean>;
  /** Records a failed challenge on a destination still unverified with this `url`; false (nothing written) otherwise. */
  recordVerificationFailed(id: string, url: string, attempt: VerificationAttempt): Promise<boolean>;
  /**
   * Changes the named settings (a new `url` among them) and makes the destination `unverified` (its
   * last failed attempt removed, its mapping to be disabled), on condition that its status is still
   * `from`; the destination as stored, undefined when the condition did not hold.
   */
  changeSettingsUnverified(
    id: string,
    change: DestinationChange,
    from: 'active' | 'unverified',
  ): Promise<Destination | undefined>;
}
