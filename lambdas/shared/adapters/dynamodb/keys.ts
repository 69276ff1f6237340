/**
 * The layout of Conveyor's one DynamoDB table, and every key builder: no other file spells a key.
 *
 *   pk               sk             item                                                 written in
 *   ORG#<id>         ORG            organization                                         directory.ts
 *   SRC#<id>         SRC            source, with the hash of its current API key         directory.ts
 *   SRC#<id>         SUB#<subId>    subscription of that source (routing reads them      directory.ts
 *                                   in one query)
 *   SUBTERMS#<srcId> <dstId>#<h>    the id of the one subscription of that source to     directory.ts
 *                                   that destination with these terms (h: sha256 of
 *                                   dataModel and eventType): refuses a second one
 *   APIKEY#<sha256>  APIKEY         the source the key belongs to (copied, so auth is    directory.ts
 *                                   one read); `validUntil` once replaced
 *   DST#<id>         DST            destination, its queue and mapping                   directory.ts
 *                                   · `status`, `pause`, head lease (`headHolder`,       destination-state.ts
 *                                     `headHeldUntil`)
 *                                   · sequence counter (`lastSequence`,                  arrival-log.ts
 *                                     `sequenceHolder`, and `headSentAt`: when the
 *                                     holder's queue entry was enqueued)
 *                                   · `spilled`, the number of entries in the spill     spill.ts
 *                                   · status `unverified` and `verification` (its last  destination-verification.ts
 *                                     failed challenge)
 *   PAUSED           <dstId>        the set of paused destinations (the prober's         destination-state.ts
 *                                   worklist)
 *   MSG#<id>         MSG            message with its transmissions as a map; or an       message-store.ts
 *                                   abandoned tombstone
 *   MSG#<id>         TRN#<trnId>    the state of transmission 1, 2, ... of that message  transmission-state.ts
 *                                   once it changed (transmission 0's stays in the map);
 *                                   absent, the map's entry is its state; TTL `expiresAt`
 *                                   a week after its message's (message-expiry.ts)
 *   MSG#<id>         ATT#<trn>#<n>  failed attempt n of a transmission of that message   attempt-log.ts
 *                                   (n zero-padded to 6 digits), for its attempt log;
 *                                   TTL `expiresAt`
 *   IDEM#<src>#<h>   IDEM           idempotency record of one (source,                   idempotency.ts
 *                                   sha256(Idempotency-Key))
 *   UPLOAD#<uplId>   UPLOAD         an upload: its source, size, usable-until and the    uploads.ts
 *                                   message that took it; TTL `expiresAt`
 *   ARR#<dstId>      <sequence>     arrival log of a destination, in delivery order      arrival-log.ts
 *                                   (sequence zero-padded to 12 digits)
 *   PARK#<trnId>     PARK           a skipped transmission's queue entry (gzip), kept    parking.ts
 *                                   for replay: its first chunk, with the chunk count
 *   PARK#<trnId>     PARK#<chunk>   its other chunks (001, 002, ...), when the entry
 *                                   needs more than one item (400 KB item limit)
 *   SPILL#<dstId>    <pos>#<chunk>  queue entries of a long-paused destination, in       spill.ts
 *                                   queue order (gzip, split into chunks under
 *                                   DynamoDB's 400 KB item limit)
 *   OUTBOX           <time>#<id>    alert emails not yet sent, by the time they are due  outbox.ts
 *   PROBER           LEASE          the lease of the prober run under way (`holder`,     prober-lease.ts
 *                                   `heldUntil`)
 *   ORGS             <orgId>        listing of the organizations (key only)              directory.ts
 *   SOURCES#<orgId>  <srcId>        listing of an organization's sources (a copy of      directory.ts
 *                                   the source, which never changes; no key hash)
 *   DESTINATIONS     <orgId>#<dstId> listing of the destinations (key only: their        directory.ts
 *                                   state changes elsewhere)
 *   SUBSCRIPTIONS    <subId>        listing of the subscriptions, and their lookup by    directory.ts
 *                                   id (a copy: subscriptions never change)
 *   AUDIT#<yyyy-mm>  <at>#<entryId> the audit trail by time, one partition a month      audit-trail.ts
 *   AUDIT-TARGET#<id> <at>#<entryId> the same entries by the id acted on                 audit-trail.ts
 *   REDELIVERIES     <rdlId>        redeliveries not yet fully enqueued, oldest first    redelivery-jobs.ts
 *                                   (range, progress, lease); removed when done
 *
 * Listings are items written in the same transaction as what they list (and removed with it), not
 * a GSI: a GSI is eventually consistent on AWS (a destination just created could be missing from
 * the next listing) while DynamoDB Local updates it at once, so local tests would pass what AWS
 * breaks. A listing item is read with a strongly consistent Query. Each listing is one partition
 * (one per organization for sources): admin writes come at a human rate, far under a partition's
 * 1,000 writes a second. Items written before the listings existed have no listing item and are
 * not listed (re-create them, or write the listing items by hand). Likewise a subscription created
 * before its terms item existed does not stop an equal one from being created.
 *
 * Writes that must happen together cross these lines inside one transaction: recording a pause
 * (destination-state.ts) also marks the head transmission paused (message-store.ts) and puts the
 * alert in the outbox (outbox.ts); each of those writes is built in the file of its item.
 */
import { createHash } from 'node:crypto';

/**
 * The key schema of the table, shared by the CDK construct and the local runtime so the two never
 * drift apart: both keys are strings; `expiresAt` (epoch seconds) lets DynamoDB sweep expired items.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
} as const;

/** The primary key of one item (a type alias, not an interface, so the SDK's `Key` accepts it). */
export type ItemKey = { readonly pk: string; readonly sk: string };

/** Arrival sequence numbers are zero-padded so that they sort as numbers. */
const SEQUENCE_DIGITS = 12;
/** SQS sequence numbers are up to 128-bit decimals: padded, they sort as numbers. */
const POSITION_DIGITS = 40;

export const organizationKey = (organizationId: string): ItemKey => ({ pk: `ORG#${organizationId}`, sk: 'ORG' });

/** The partition of a source: its own item and its subscriptions. */
const sourcePartition = (sourceId: string) => `SRC#${sourceId}`;

export const sourceKey = (sourceId: string): ItemKey => ({ pk: sourcePartition(sourceId), sk: 'SRC' });

export const apiKeyKey = (apiKeyHash: string): ItemKey => ({ pk: `APIKEY#${apiKeyHash}`, sk: 'APIKEY' });

export const destinationKey = (destinationId: string): ItemKey => ({ pk: `DST#${destinationId}`, sk: 'DST' });

export const subscriptionKey = (sourceId: string, subscriptionId: string): ItemKey => ({
  pk: sourcePartition(sourceId),
  sk: `SUB#${subscriptionId}`,
});

/**
 * The item that the terms of a subscription (source, destination, dataModel, eventType or none)
 * claim: created with the subscription on condition that it does not exist, so two equal
 * subscriptions cannot both be created, however close together. dataModel and eventType are
 * hashed, so any characters they hold fit in a key.
 */
export const subscriptionTermsKey = (terms: {
  readonly sourceId: string;
  readonly destinationId: string;
  readonly dataModel: string;
  readonly eventType?: string;
}): ItemKey => {
  const termsHash = createHash('sha256')
    .update(JSON.stringify([terms.dataModel, terms.eventType ?? null]))
    .digest('hex');
  return { pk: `SUBTERMS#${terms.sourceId}`, sk: `${terms.destinationId}#${termsHash}` };
};

/** Where the subscriptions of a source are: its partition, sort keys beginning with `prefix`. */
export const subscriptionsOfSource = (sourceId: string) => ({ pk: sourcePartition(sourceId), prefix: 'SUB#' });

/** The partition that lists the paused destinations, one item each (sort key: the destination id). */
export const PAUSED_PARTITION = 'PAUSED';

export const pausedKey = (destinationId: string): ItemKey => ({ pk: PAUSED_PARTITION, sk: destinationId });

export const messageKey = (messageId: string): ItemKey => ({ pk: `MSG#${messageId}`, sk: 'MSG' });

/**
 * The state of a transmission of a message with several (`transmission-state.ts`), in its
 * message's partition: sorted after the message's own item (`TRN#` > `MSG` > `ATT#`), so one Query
 * from `MSG` on reads the message and its transmissions' states without the failed attempts.
 */
export const transmissionStateKey = (messageId: string, transmissionId: string): ItemKey => ({
  pk: messageKey(messageId).pk,
  sk: `TRN#${transmissionId}`,
});

/** Attempt numbers are zero-padded so that they sort as numbers (a million attempts is years of probing). */
const ATTEMPT_DIGITS = 6;

/** Where the failed attempts of a transmission are: its message's partition, sort keys beginning with `prefix`. */
export const attemptsOfTransmission = (messageId: string, transmissionId: string) => ({
  pk: messageKey(messageId).pk,
  prefix: `ATT#${transmissionId}#`,
});

/** Failed attempt number `attempt` (1, 2, ...) of a transmission, in its message's partition. */
export const attemptKey = (messageId: string, transmissionId: string, attempt: number): ItemKey => {
  const { pk, prefix } = attemptsOfTransmission(messageId, transmissionId);
  return { pk, sk: `${prefix}${String(attempt).padStart(ATTEMPT_DIGITS, '0')}` };
};

/** The record of one (source, Idempotency-Key): the key is hashed, so any string fits in a key. */
export const idempotencyKey = (sourceId: string, key: string): ItemKey => {
  const keyHash = createHash('sha256').update(key).digest('hex');
  return { pk: `IDEM#${sourceId}#${keyHash}`, sk: 'IDEM' };
};

/** The record of one upload (`POST /v1/uploads`), found by its id alone. */
export const uploadKey = (uploadId: string): ItemKey => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' });

/** The partition of a destination's arrival log. */
export const arrivalPartition = (destinationId: string) => `ARR#${destinationId}`;

export const arrivalKey = (destinationId: string, sequence: number): ItemKey => ({
  pk: arrivalPartition(destinationId),
  sk: String(sequence).padStart(SEQUENCE_DIGITS, '0'),
});

/** The key a page of the arrival log continues after (`cursor` is the sort key of its last entry). */
export const arrivalCursorKey = (destinationId: string, cursor: string): ItemKey => ({
  pk: arrivalPartition(destinationId),
  sk: cursor,
});

/** The partition of a parked entry: its first chunk (`parkedKey`) and the others (`parkedChunkKey`). */
export const parkedPartition = (transmissionId: string) => `PARK#${transmissionId}`;

/** The first (or only) item of a parked entry; the whole entry for one parked before chunking. */
export const parkedKey = (transmissionId: string): ItemKey => ({ pk: parkedPartition(transmissionId), sk: 'PARK' });

/** The sort-key prefix of a parked entry's chunks after the first. */
export const PARKED_CHUNK_PREFIX = 'PARK#';

/** Chunk `chunk` (1, 2, ...) of a parked entry; chunk 0 is at `parkedKey`. */
export const parkedChunkKey = (transmissionId: string, chunk: number): ItemKey => ({
  pk: parkedPartition(transmissionId),
  sk: `${PARKED_CHUNK_PREFIX}${String(chunk).padStart(3, '0')}`,
});

/** The partition of a destination's spill. */
export const spillPartition = (destinationId: string) => `SPILL#${destinationId}`;

/** The sort-key prefix shared by the chunks of the spilled entry at `position` (its SQS sequence number). */
export const spilledEntryPrefix = (position: string) => `${position.padStart(POSITION_DIGITS, '0')}#`;

/** Chunk `chunk` (0, 1, ...) of the spilled entry at `position`. */
export const spillChunkKey = (destinationId: string, position: string, chunk: number): ItemKey => ({
  pk: spillPartition(destinationId),
  sk: `${spilledEntryPrefix(position)}${String(chunk).padStart(3, '0')}`,
});

/**
 * The partition of the outbox; its sort keys order emails by the time they are due: `notBefore`
 * for one that waits (a Resumed email waiting out the settling time), else its creation time. So
 * every email due now sorts before every one still waiting.
 */
export const OUTBOX_PARTITION = 'OUTBOX';

export const outboxKey = (email: {
  readonly createdAt: string;
  readonly id: string;
  readonly notBefore?: string;
}): ItemKey => ({
  pk: OUTBOX_PARTITION,
  sk: `${email.notBefore ?? email.createdAt}#${email.id}`,
});

/** The one item of the prober's lease: at most one prober run at a time. */
export const proberLeaseKey = (): ItemKey => ({ pk: 'PROBER', sk: 'LEASE' });

/** The partition of the redeliveries still being enqueued; their ids are time-ordered, so it lists them oldest first. */
export const REDELIVERIES_PARTITION = 'REDELIVERIES';

export const redeliveryKey = (redeliveryId: string): ItemKey => ({ pk: REDELIVERIES_PARTITION, sk: redeliveryId });

/** The partition listing every organization (sort key: the organization id). */
export const ORGANIZATIONS_LISTING = 'ORGS';

export const organizationListingKey = (organizationId: string): ItemKey => ({
  pk: ORGANIZATIONS_LISTING,
  sk: organizationId,
});

/** The partition listing one organization's sources (sort key: the source id). */
export const sourcesListing = (organizationId: string) => `SOURCES#${organizationId}`;

export const sourceListingKey = (organizationId: string, sourceId: string): ItemKey => ({
  pk: sourcesListing(organizationId),
  sk: sourceId,
});

/** The partition listing every destination (sort key: `<organizationId>#<destinationId>`). */
export const DESTINATIONS_LISTING = 'DESTINATIONS';

/** The sort-key prefix of one organization's destinations in `DESTINATIONS_LISTING`. */
export const destinationsOfOrganization = (organizationId: string) => `${organizationId}#`;

/** A destination's listing item: written with it, and removed with it (by whoever removes a destination). */
export const destinationListingKey = (organizationId: string, destinationId: string): ItemKey => ({
  pk: DESTINATIONS_LISTING,
  sk: `${destinationsOfOrganization(organizationId)}${destinationId}`,
});

/** The partition listing every subscription (sort key: the subscription id), which finds one by id. */
export const SUBSCRIPTIONS_LISTING = 'SUBSCRIPTIONS';

export const subscriptionListingKey = (subscriptionId: string): ItemKey => ({
  pk: SUBSCRIPTIONS_LISTING,
  sk: subscriptionId,
});

/** The audit trail's partition of one month (`at` is ISO 8601: its first 7 characters are the month). */
export const auditMonthPartition = (at: string) => `AUDIT#${at.slice(0, 7)}`;

/** The audit trail's partition of one target (the id acted on). */
export const auditTargetPartition = (target: string) => `AUDIT-TARGET#${target}`;

/** An entry's sort key in both partitions: by time, then a unique id. */
export const auditSortKey = (at: string, entryId: string) => `${at}#${entryId}`;
