/**
 * The metrics Conveyor publishes (namespace `Conveyor`, one dimension `service` naming the
 * deployment). Shared by the functions that emit them and the stack that charts and alarms on
 * them. Per-destination detail goes to structured log fields, never into a metric dimension, so
 * the metric count (and its cost) does not grow with the number of destinations.
 */
export const METRIC_NAMESPACE = 'Conveyor';

/** Every metric name, by use; counts unless the comment gives a unit. */
export const MetricNames = {
  /** Messages acknowledged to integrators (200 on `POST /v1/messages`). */
  messagesAccepted: 'MessagesAccepted',
  /** Transmissions (one per destination) queued by accepted messages. */
  transmissionsQueued: 'TransmissionsQueued',
  transmissionsDelivered: 'TransmissionsDelivered',
  /** Delivery attempts that did not get a 2xx (each inline retry counts). */
  failedAttempts: 'FailedAttempts',
  /** From the message's receipt to its arrival at the destination, in milliseconds. */
  deliveryLatency: 'DeliveryLatency',
  /** How long the endpoint took to answer a delivery, in milliseconds. */
  endpointResponseTime: 'EndpointResponseTime',
  pauses: 'Pauses',
  resumes: 'Resumes',
  skips: 'Skips',
  replays: 'Replays',
  alertsSent: 'AlertsSent',
  alertSendFailures: 'AlertSendFailures',
  /** Queue entries moved to the spill during a long pause. */
  entriesSpilled: 'EntriesSpilled',
  /** Gauges the prober publishes once a minute. */
  pausedDestinations: 'PausedDestinations',
  /** Seconds since the longest-running pause began. */
  longestPause: 'LongestPause',
  /** Age in seconds of the oldest entry waiting behind a paused head (in its queue or its spill). */
  oldestPausedEntryAge: 'OldestPausedEntryAge',
  /** Entries currently held in spills. */
  spillBacklog: 'SpillBacklog',
  /** Prober runs that ended at once because another run held the prober lease. */
  proberRunsSkipped: 'ProberRunsSkipped',
  /**
   * Gauge: destinations whose event-source mapping has differed from their state (enabled while
   * active, disabled while paused) for 5 minutes or more, still not repaired.
   */
  mappingDrift: 'MappingDrift',
  /** Mappings the reconciler's audit found in another state than their destination's status asks for. */
  mappingDriftFound: 'MappingDriftFound',
  /** Enable and disable calls the reconciler made (UpdateEventSourceMapping). */
  mappingUpdates: 'MappingUpdates',
  /**
   * Age in seconds of the oldest entry in any destination queue, active or paused (0 when all are
   * empty): the one SQS's retention would drop first. Published by the prober's backlog-age pass.
   */
  oldestEntryAge: 'OldestEntryAge',
  /** Admin writes that succeeded but whose audit entry could not be stored (the entry is logged at ERROR instead). */
  auditWriteFailures: 'AuditWriteFailures',
  /**
   * Delivered payloads that could not be kept for the payload retention (the delivery stands; a
   * redelivery of that message will find no payload and leave it out).
   */
  payloadsNotKept: 'PayloadsNotKept',
  /** Transmissions enqueued again by redeliveries. */
  transmissionsRedelivered: 'TransmissionsRedelivered',
  /** Transmissions a redelivery left out because their payload was no longer kept. */
  redeliveryPayloadsMissing: 'RedeliveryPayloadsMissing',
} as const;

/** One of `MetricNames`' values. */
export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];
