/** The audit trail's entries: who did which admin write to what, and when. */

/** Every audited admin write, by the resource it changes. */
export const AUDIT_ACTIONS = [
  'organization.create',
  'organization.update',
  'source.create',
  'source.delete',
  'source.rotate_key',
  'destination.create',
  'destination.update',
  'destination.delete',
  'destination.resume',
  'destination.skip',
  'destination.redeliver',
  'destination.verify',
  'subscription.create',
  'subscription.delete',
  'transmission.replay',
] as const;

/** One of `AUDIT_ACTIONS`. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How long an entry is kept, in days (the contract: 400; DynamoDB's TTL removes it after). */
export const AUDIT_RETENTION_DAYS = 400;

/**
 * One admin write that succeeded. Never the request body or a payload: `reason` is the operator's
 * own words (a skip's), which may hold PHI, so it is stored here and never logged.
 */
export interface AuditEntry {
  /** When the write was answered (ISO 8601, UTC, ms). */
  readonly at: string;
  /** The caller's IAM principal ARN on AWS (`unknown` when the request carried none), `local-admin` locally. */
  readonly actor: string;
  readonly action: AuditAction;
  /** The id acted on: the new id for a create. */
  readonly target: string;
  readonly reason?: string;
}
