import { isProvisioned } from '../domain/destinations';
import { MetricNames } from '../domain/metric-names';
import type { MappingStatus } from '../ports/queues';
import { desiredMappingOf, destinationIdOfQueue, headingOf } from './desired-state';
import type { MappingPorts, ReconcilerMemory } from './mapping-ports';

/** What an audit found: every mapping as listed (for the pass that follows), and how many differed. */
export interface AuditResult {
  readonly observed: ReadonlyMap<string, MappingStatus>;
  readonly drifted: number;
}

/**
 * Compares every mapping of the delivery function with the state its destination's status asks
 * for, and puts each one that differs on the worklist for the reconciler: whatever changed a
 * mapping behind Conveyor's back (a lost update, an operator, a tool), the worklist learns of it.
 * The prober runs it once per invocation.
 *
 * 1. List the delivery function's mappings (a call per 100, each waiting its turn in the bucket).
 * 2. Read their destinations in batches (the destination's id is in the queue's name), and the
 *    worklist.
 * 3. For each mapping whose state is, or is heading, other than its destination asks: put the
 *    destination on the worklist and count it. Mappings being created, updated or deleted, those
 *    of destinations being registered, and those of destinations on the worklist already (a
 *    pause or a resume put them there; the reconciler has them in hand, and an item keeps its
 *    age) are left alone: drift is what the worklist did not know of. A hundred destinations
 *    pausing at once used to be a hundred writes and warnings here, before the first disable.
 *
 * Throws what the mappings and the worklist throw.
 */
export const auditMappings = async (ports: MappingPorts, memory: ReconcilerMemory): Promise<AuditResult> => {
  const listed = await ports.mappings.list();
  memory.mappingCount = listed.length;
  const byDestination = new Map<string, MappingStatus>();
  for (const status of listed) {
    const destinationId = destinationIdOfQueue(status.queueArn);
    if (destinationId) byDestination.set(destinationId, status);
    else
      ports.log.warn('A mapping of the delivery function polls a queue that is not a destination queue', {
        mappingId: status.mappingId,
      });
  }
  const [found, work] = await Promise.all([
    ports.worklist.destinations([...byDestination.keys()]),
    ports.worklist.list(),
  ]);
  const destinations = new Map(found.map((destination) => [destination.id, destination]));
  const onWorklist = new Set(work.map((item) => item.destinationId));
  let drifted = 0;
  for (const [destinationId, status] of byDestination) {
    const destination = destinations.get(destinationId);
    if (!destination) {
      // Removing it is the job of the destination's deletion; the audit only reports it.
      ports.log.warn('A mapping feeds the queue of a destination that does not exist', {
        destinationId,
        mappingId: status.mappingId,
      });
      continue;
    }
    if (!isProvisioned(destination)) continue;
    if (destination.mappingId !== status.mappingId) {
      ports.log.warn('A second mapping feeds a destination queue', {
        destinationId,
        mappingId: status.mappingId,
        recordedMappingId: destination.mappingId,
      });
      continue;
    }
    const heading = headingOf(status.state);
    if (heading === undefined || heading === desiredMappingOf(destination) || onWorklist.has(destinationId)) continue;
    await ports.worklist.add(destinationId, 'audit');
    drifted++;
    ports.log.warn("A mapping differs from its destination's state: put on the worklist", {
      destinationId,
      mappingId: status.mappingId,
      state: status.state,
      status: destination.status,
    });
  }
  if (drifted > 0) ports.meter.count(MetricNames.mappingDriftFound, drifted);
  return { observed: new Map(listed.map((status) => [status.mappingId, status])), drifted };
};
