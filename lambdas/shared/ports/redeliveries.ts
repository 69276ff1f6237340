/**
 * The redelivery ports: what `POST /v1/admin/destinations/{id}/redeliver` and the prober need to
 * enqueue a time range of a destination's delivered transmissions again, and the kept payloads.
 */
import type { PayloadReference } from '../domain/envelope';
import type { Arrival, TransmissionStatus } from '../domain/model';

/**
 * One redelivery: a range of a destination's arrival log being enqueued again, page by page, by
 * whoever holds its lease (the admin call that created it, then the prober).
 */
export interface Redelivery {
  readonly id: string;
  readonly destinationId: string;
  /** The range asked for, [since, until), ISO 8601. */
  readonly since: string;
  readonly until: string;
  /** The destination's latest sequence number when it was asked for: later arrivals (its own among them) are not in it. */
  readonly lastSequence: number;
  /** The sequence number the next page starts at. */
  readonly nextSequence: number;
  /** Transmissions counted in the range when it was asked for, and enqueued so far. */
  readonly count: number;
  readonly enqueued: number;
  readonly createdAt: string;
}

/** Where a transmission stands after `prepareRedelivery`. */
export type RedeliveryPreparation =
  /** Moved from delivered to queued at `generation`, now (`prepared`) or by an earlier run of the same redelivery. */
  | {
      readonly outcome: 'prepared' | 'prepared_earlier';
      readonly generation: number;
      readonly status: TransmissionStatus;
    }
  /** Not delivered now (queued, paused, skipped or cancelled): nothing to redeliver. */
  | { readonly outcome: 'not_delivered'; readonly status: TransmissionStatus | undefined };

/** The arrival log, the transmissions and the redeliveries under way, as a redelivery reads and writes them. */
export interface RedeliveryStore {
  /** The destination's latest sequence number; 0 before its first delivery. @throws Error when the destination does not exist */
  lastSequence(destinationId: string): Promise<number>;
  /** The first sequence number whose arrival is at or after `time` (ISO 8601), among those up to `upTo`; `upTo + 1` when none. */
  firstSequenceArrivedFrom(destinationId: string, time: string, upTo: number): Promise<number>;
  /** Up to `limit` arrivals numbered in [`from`, `upTo`], in delivery order. */
  listArrivals(destinationId: string, from: number, upTo: number, limit: number): Promise<Arrival[]>;
  /** See `DynamoTransmissions.prepareRedelivery`: delivered → queued at the next generation, once per `token`. */
  prepareRedelivery(messageId: string, transmissionId: string, token: string): Promise<RedeliveryPreparation>;

  /** Records a new redelivery, held by `holder` for `leaseMs`. */
  create(redelivery: Redelivery, holder: string, leaseMs: number): Promise<void>;
  /** The redeliveries not yet done, oldest first. */
  listUnfinished(): Promise<Redelivery[]>;
  /** Takes (or renews) a redelivery's lease; false when another holder has it. */
  take(redeliveryId: string, holder: string, leaseMs: number): Promise<boolean>;
  /** Records a page done (`nextSequence`, `enqueued`) while `holder` has the lease; false when it lost the lease. */
  advance(redeliveryId: string, holder: string, nextSequence: number, enqueued: number): Promise<boolean>;
  /** Gives the lease back (nothing happens when another holder has it). */
  release(redeliveryId: string, holder: string): Promise<void>;
  /** Removes a redelivery that is done (or whose destination is gone). */
  finish(redeliveryId: string): Promise<void>;
}

/** A kept payload, ready to be enqueued again: inline, or as a reference to an in-flight copy in the payload store. */
export type RestoredPayload = { readonly rawData: string } | { readonly reference: PayloadReference };

/**
 * Delivered payloads, kept for the deployment's payload retention (`PAYLOAD_RETENTION_DAYS`) so a
 * range can be redelivered: one copy per message, written each time one of its transmissions is
 * delivered, so the window runs from the latest delivery. The bucket's lifecycle rule deletes it.
 */
export interface PayloadArchive {
  /**
   * Keeps the payload of a message just delivered: `rawData` as sent, or the payload store's copy
   * under `reference` (copied within the store, never through this function).
   */
  keep(
    messageId: string,
    payload: { readonly rawData: string } | { readonly reference: PayloadReference },
  ): Promise<void>;
  /**
   * The kept payload of a message: the text itself when it is at most `maxInlineBytes` bytes,
   * else a reference to a copy made for the queue (kept until delivered, not by the window);
   * undefined when none is kept (the window is over, retention is 0, or keeping it failed).
   */
  restore(messageId: string, maxInlineBytes: number): Promise<RestoredPayload | undefined>;
}
