/**
 * How long the records of a message are kept: its item (`MSG#`), its arrival-log entries (`ARR#`)
 * and its failed attempts (`ATT#`), swept by DynamoDB's TTL (`expiresAt`, epoch seconds).
 */

/**
 * Days records are kept unless the deployment says otherwise (`-c recordRetentionDays`): 90, a
 * quarter. Long enough for the questions records answer (when did this arrive, what did the
 * endpoint say, redeliver since a date) with room above the least allowed (`leastRecordRetentionDays`),
 * while storage stays bounded (about 1 KB a delivered message).
 */
export const DEFAULT_RECORD_RETENTION_DAYS = 90;

/** The longest SQS keeps a queue entry, in days (SQS's MessageRetentionPeriod quota: 1,209,600 s). */
export const QUEUE_RETENTION_MAX_DAYS = 14;

/**
 * The least record retention (days) a deployment may choose: a redelivery by arrival range reads
 * the `ARR#` and `MSG#` records of payloads still kept, `payloadRetentionDays` after their latest
 * delivery; and the entry a redelivery enqueues may wait in its queue up to SQS's 14 days.
 */
export const leastRecordRetentionDays = (payloadRetentionDays: number): number =>
  QUEUE_RETENTION_MAX_DAYS + payloadRetentionDays;

/**
 * Why `recordRetentionDays` is refused with that payload retention, or undefined when it is allowed:
 * a whole number of days, at least `leastRecordRetentionDays`.
 */
export const recordRetentionProblem = (
  recordRetentionDays: number,
  payloadRetentionDays: number,
): string | undefined => {
  const least = leastRecordRetentionDays(payloadRetentionDays);
  if (!Number.isInteger(recordRetentionDays) || recordRetentionDays < least)
    return (
      `recordRetentionDays must be a whole number of days of at least ${least} ` +
      `(${QUEUE_RETENTION_MAX_DAYS} days of queue retention + payloadRetentionDays ${payloadRetentionDays}), got ${recordRetentionDays}`
    );
  return undefined;
};

/** The record retention (days) a deployment gets unless it says: 90, or 14 days beyond a longer payload retention. */
export const defaultRecordRetentionDays = (payloadRetentionDays: number): number =>
  Math.max(DEFAULT_RECORD_RETENTION_DAYS, leastRecordRetentionDays(payloadRetentionDays));

/** The seconds in `days` days: the unit records' TTLs are added in. */
export const retentionSeconds = (days: number): number => days * 24 * 60 * 60;
