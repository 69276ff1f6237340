/** `DELETE /v1/admin/destinations/{id}[?force=true]`: the destination's deletion, restartable. */
import { deletionIncomplete, destinationNotEmpty, invalidRequest, notFound } from '../shared/domain/errors';
import { isId } from '../shared/domain/ids';
import type { DeletingDestination, Destination, ProvisionedDestination } from '../shared/domain/model';
import { HEAD_LEASE_MARGIN_MS } from '../shared/pauses/head-lease';
import { waitingCount } from '../shared/pauses/waiting-count';
import type { DeletionStart } from '../shared/ports/directory';
import { ControlPlaneBusyError } from '../shared/ports/queues';
import { errorFields } from '../shared/runtime/logging';
import type { AdminPorts } from './directory-admin';

/**
 * How long (ms) one DELETE may spend waiting (for a worker holding the head, for the mapping to be
 * gone, removing the spill) before it answers 503 `deletion_incomplete`: well inside API Gateway's
 * 29 s integration timeout, with room for the writes around the waits. A repeat continues.
 */
export const DELETE_BUDGET_MS = 20_000;

/** Conditional writes refused because the status changed meanwhile (a pause, a resume): read again, this often. */
const STATUS_RACES = 3;

/** How often (ms) the deletion looks whether the mapping is gone yet. */
const MAPPING_POLL_MS = 1000;

/** The holder of the head lease a deletion takes for good (a tombstone's head is never released). */
const DELETION_HOLDER = 'destination-deletion';

/** The query a DELETE takes: `force`, `true` or `false` (default), nothing else. */
const parseForce = (query: Readonly<Record<string, string | undefined>>): boolean => {
  const unknown = Object.keys(query).find((name) => name !== 'force');
  if (unknown !== undefined) throw invalidRequest(`${unknown.slice(0, 64)} is not a known query parameter.`);
  if (query.force === undefined || query.force === 'false') return false;
  if (query.force === 'true') return true;
  throw invalidRequest('force must be true or false.');
};

/** The destination as stored; 404 for an id of the wrong shape, an unknown one, one being provisioned, or one deleted. */
const findDeletable = async (
  destinationId: string,
  ports: AdminPorts,
): Promise<ProvisionedDestination | DeletingDestination> => {
  const destination: Destination | undefined = isId('destination', destinationId)
    ? await ports.directory.getDestination(destinationId)
    : undefined;
  if (!destination || destination.status === 'provisioning' || destination.status === 'deleted')
    throw notFound('destination', destinationId);
  if (destination.status === 'deleting') return destination;
  if (destination.queueUrl === undefined) throw notFound('destination', destinationId);
  return destination;
};

/**
 * Why a deletion without force is refused, or undefined when nothing waits. SQS's counts are
 * approximate (they can lag an entry just sent), so the deletion prefers refusing: a paused
 * destination always has its head waiting, whatever the count says; anything in the spill or
 * counted in the queue (visible, in flight or delayed) refuses; and the count is read again once
 * routing to the destination has stopped (see `deleteDestination`, step 5).
 */
const whyNotEmpty = async (destination: ProvisionedDestination, ports: AdminPorts): Promise<string | undefined> => {
  if (destination.status === 'paused') return 'The destination is paused: its head transmission is waiting.';
  const waiting = await waitingCount(destination, ports).catch((error: unknown) => {
    ports.log.warn('Could not count the entries waiting for a destination; its deletion is refused', {
      destinationId: destination.id,
      ...errorFields(error),
    });
    return -1;
  });
  if (waiting < 0) return 'The number of entries waiting for the destination could not be read.';
  return waiting > 0 ? `${waiting} entries are waiting for the destination (an approximate count).` : undefined;
};

/**
 * `DELETE /v1/admin/destinations/{id}[?force=true]` → 204 once the destination's mapping, queue
 * and spill are gone. Afterwards it answers 404 everywhere, no new message can name it, and its
 * waiting transmissions read `cancelled` (derived when a message is read: see `getMessage` in
 * ingest/get-message.ts).
 *
 * 1. Find the destination (404 `destination_not_found` for a malformed or unknown id, one being
 *    provisioned, or one deleted). One already `deleting` (an earlier DELETE stopped half-way)
 *    goes straight to step 6 once the query is checked, whatever `force` says: its deletion was
 *    decided.
 * 2. Check the query: `force` only, `true` or `false` (400 `invalid_request`).
 * 3. Without force: refuse with 409 `destination_not_empty` while entries wait (`whyNotEmpty`);
 *    nothing is changed.
 * 4. Record it `deleting` in one conditional write from the status read (without force: with an
 *    empty spill). From then on nothing delivers to it (delivery hands its batches back), probes,
 *    pauses or resumes it (their writes are conditional on its status), the reconciler leaves its
 *    mapping alone and drops it from the worklist, and the admin API answers 404. Refused because
 *    its status changed meanwhile: back to step 1 (a few times).
 * 5. Remove its subscriptions, so routing (which reads them afresh for every message) stops
 *    reaching it. Without force: read the queue's count again; an entry found now (sent while the
 *    first count was read) undoes steps 4 and 5 and refuses with 409.
 * 6. Take its head lease, waiting for a worker that holds it (a probe, a spill move, a skip) to
 *    finish, so that nothing of it is in flight; the lease is never given back.
 * 7. Delete its mapping (done when gone), its queue (done when gone; SQS may take up to 60 s to
 *    finish, and the name is never used again) and every entry of its spill.
 * 8. Wait until Lambda no longer knows the mapping (on AWS a deleted mapping stays `Deleting`, and
 *    may still invoke, for a while).
 * 9. Mark it `deleted`: a tombstone that keeps the id unusable and lets message reads answer
 *    `cancelled`; its signing secret goes.
 *
 * A failure or a wait beyond `DELETE_BUDGET_MS` in steps 5–9 answers 503 `deletion_incomplete`
 * and leaves the destination `deleting`; a repeated DELETE continues from step 5 (its
 * subscriptions again, then step 6). Every step is
 * safe to repeat. A delivery or probe already under way when step 4 lands may finish its attempt
 * (and record its outcome truthfully); nothing starts after it.
 */
export const deleteDestination = async (
  destinationId: string,
  query: Readonly<Record<string, string | undefined>>,
  ports: AdminPorts,
): Promise<void> => {
  const deadline = ports.clock().getTime() + DELETE_BUDGET_MS;
  // The path's resource first (404), then the query (400), as every route resolves them.
  let destination = await findDeletable(destinationId, ports);
  const force = parseForce(query);
  for (let race = 1; destination.status !== 'deleting'; race++) {
    if (!force) {
      const why = await whyNotEmpty(destination, ports);
      if (why !== undefined) throw destinationNotEmpty(why);
    }
    const start: DeletionStart = { deletingAt: ports.clock().toISOString(), forced: force };
    if (await ports.directory.recordDestinationDeleting(destinationId, destination.status, start)) {
      const recorded: DeletingDestination = { ...destination, status: 'deleting', ...start, pause: undefined };
      ports.log.info('Destination deletion recorded', { destinationId, forced: force, from: destination.status });
      await stopRouting(destination, start, ports);
      await removeEverything(recorded, deadline, ports);
      return;
    }
    if (race === STATUS_RACES)
      throw deletionIncomplete('its status kept changing (pauses, resumes) while it was read, so nothing was changed');
    destination = await findDeletable(destinationId, ports);
  }
  // A repeat: its subscriptions may be left from a deletion that stopped before they went.
  await removeSubscriptions(destinationId, ports);
  await removeEverything(destination, deadline, ports);
};

/** Removes the destination's subscriptions and answers them; 503 `deletion_incomplete` when that fails. */
const removeSubscriptions = (destinationId: string, ports: AdminPorts) =>
  ports.directory.removeSubscriptionsOfDestination(destinationId).catch((error: unknown) => {
    ports.log.error('Could not remove the subscriptions of a deleting destination', {
      destinationId,
      ...errorFields(error),
    });
    throw deletionIncomplete('its subscriptions are not removed yet');
  });

/**
 * Step 5: its subscriptions go; without force, an entry that arrived meanwhile undoes the
 * deletion (its subscriptions are put back, it is active again) and refuses it with 409.
 */
const stopRouting = async (destination: ProvisionedDestination, start: DeletionStart, ports: AdminPorts) => {
  const destinationId = destination.id;
  const removed = await removeSubscriptions(destinationId, ports);
  if (start.forced) return;
  const waiting = await waitingCount(destination, ports).catch(() => -1);
  if (waiting === 0) return;
  // Unsure (unreadable) counts as not empty: refusing is the safe side.
  for (const subscription of removed) await ports.directory.putSubscription(subscription);
  const restored = await ports.directory.restoreDeletingDestination(
    destinationId,
    start,
    destination.status === 'unverified' ? 'unverified' : 'active',
  );
  ports.log.warn('Destination deletion undone: entries arrived while it was recorded', {
    destinationId,
    waiting,
    restored,
  });
  throw destinationNotEmpty(
    waiting > 0
      ? `${waiting} entries arrived for the destination while it was being deleted.`
      : 'The number of entries waiting for the destination could not be read.',
  );
};

/** Steps 6–9, each safe to repeat; 503 `deletion_incomplete` (naming what is left) when one fails or runs out of time. */
const removeEverything = async (destination: DeletingDestination, deadline: number, ports: AdminPorts) => {
  const { id: destinationId, mappingId, queueUrl } = destination;
  const step = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      ports.log.error('Destination deletion stopped half-way; a repeated DELETE continues', {
        destinationId,
        step: what,
        ...errorFields(error),
      });
      throw deletionIncomplete(`${what} not removed yet`);
    }
  };
  const timeLeft = () => deadline - ports.clock().getTime();
  await step('a worker still holds its head, so nothing is', () => holdHeadForGood(destination, timeLeft, ports));
  await step('its event-source mapping is', () => ports.mappings.remove(mappingId));
  await step('its queue is', () => ports.queues.remove(queueUrl));
  await step('its spill is', () => emptySpill(destinationId, timeLeft, ports));
  await step('its event-source mapping (still being deleted) is', () => waitForMappingGone(mappingId, timeLeft, ports));
  await step('its record is', () =>
    ports.directory.recordDestinationDeleted(destinationId, ports.clock().toISOString()),
  );
  ports.log.info('Destination deleted', { destinationId, forced: destination.forced });
};

/** Step 6: the head lease, for as long as a deletion can take; throws when another holder keeps it past the budget. */
const holdHeadForGood = async (destination: DeletingDestination, timeLeft: () => number, ports: AdminPorts) => {
  const leaseMs = DELETE_BUDGET_MS + destination.timeoutMs + HEAD_LEASE_MARGIN_MS;
  while (!(await ports.destinationState.holdHead(destination.id, DELETION_HOLDER, leaseMs))) {
    if (timeLeft() < 250) throw new Error('Another worker held the head lease throughout');
    await ports.sleep(250);
  }
};

/** Step 7's spill: its entries, oldest first, until none is left; throws when time runs out first. */
const emptySpill = async (destinationId: string, timeLeft: () => number, ports: AdminPorts) => {
  for (let entry = await ports.spill.first(destinationId); entry; entry = await ports.spill.first(destinationId)) {
    if (timeLeft() <= 0) throw new Error('The spill holds more entries than one request can remove');
    await ports.spill.remove(destinationId, entry.position);
  }
};

/** Step 8: until Lambda no longer describes the mapping; throws when time runs out first. */
const waitForMappingGone = async (mappingId: string, timeLeft: () => number, ports: AdminPorts) => {
  for (;;) {
    let waitMs = MAPPING_POLL_MS;
    try {
      if ((await ports.mappings.describe(mappingId)) === undefined) return;
    } catch (error) {
      // This function's share of the control plane is used up for now: wait for the next token.
      if (!(error instanceof ControlPlaneBusyError)) throw error;
      waitMs = Math.max(error.retryAfterMs ?? MAPPING_POLL_MS, 1);
    }
    if (timeLeft() < waitMs) throw new Error('The mapping is still being deleted');
    await ports.sleep(waitMs);
  }
};
