/**
 * Write units per delivered message when one message fans out to many destinations (the goal: ≤ 3
 * for 50). A write costs one unit per KB of the item written: a delivery writes its transmission's
 * own small item (transmission 0's is the message's item, about 160 bytes per transmission), and
 * the read units of the message's items, read after the write to see whether any still waits,
 * are reported beside them.
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import type { ProberProfile } from './cost';
import { measureItems } from './cost-storage';
import { startSlowReceiver } from './harness';
import { countRequests, newRequestCounts } from './request-counter';

export interface FanOutWrites {
  readonly destinations: number;
  readonly messages: number;
  /** Write units per delivered message (a delivery is one message at one destination), the prober's taken out. */
  readonly writeUnitsPerDelivery: number;
  /** Read units per delivered message, the prober's taken out. */
  readonly readUnitsPerDelivery: number;
  /** Bytes of one transmission's own item (transmissions 1, 2, ...) once delivered. */
  readonly ownItemBytes: number;
  /** Bytes of one message's item once every transmission is delivered. */
  readonly messageItemBytes: number;
}

/**
 * Sends `messages` messages (2 KB) to `destinations` destinations behind one receiver that answers
 * at once, and counts the write units until every entry is delivered and deleted. `prober` is the
 * prober's per-run profile (`MeasuredUsage.proberPerRun`), whose writes are taken out.
 */
export const measureFanOutWrites = async (
  conveyor: TestConveyor,
  destinations: number,
  messages: number,
  prober: ProberProfile,
): Promise<FanOutWrites> => {
  const receiver = await startSlowReceiver(0);
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destinationIds = new Set<string>();
    for (let d = 0; d < destinations; d++) {
      const destination = await conveyor.createDestination(organization.id, receiver.url);
      await conveyor.subscribe(source.id, destination.id, 'CostFanOut');
      destinationIds.add(destination.id);
    }
    const counts = newRequestCounts();
    counts.include = (service, input) =>
      service !== 'SQS' ||
      input.QueueUrl === undefined ||
      [...destinationIds].some((id) => input.QueueUrl!.includes(id));
    countRequests(conveyor.local.clients.sqs, 'SQS', counts);
    countRequests(conveyor.local.clients.documents, 'DynamoDB', counts);
    countRequests(conveyor.local.mappings.sqs, 'SQS', counts);
    const messageIds = new Set<string>();
    const payload = { text: 'x'.repeat(2048 - 40) };
    for (let n = 0; n < messages; n++) {
      const answer = await conveyor.send(source.apiKey, {
        meta: { dataModel: 'CostFanOut', eventType: 'Tick' },
        data: { n, payload },
      });
      if (answer.status !== 200) throw new Error(`Ingest answered ${answer.status}`);
      messageIds.add(answer.body.messageId);
    }
    const deliveries = destinations * messages;
    await waitFor(() => counts.sqsDeleted >= deliveries, 'every fan-out entry delivered and deleted', 600_000);
    const proberWrites = counts.proberRuns * prober.writeUnits;
    const proberReads = counts.proberRuns * prober.readUnits;
    const items = await measureItems(conveyor.local, messageIds, destinationIds);
    return {
      destinations,
      messages,
      writeUnitsPerDelivery: Math.max(0, counts.capacity.write - proberWrites) / deliveries,
      readUnitsPerDelivery: Math.max(0, counts.capacity.read - proberReads) / deliveries,
      messageItemBytes: items.message.bytes / Math.max(1, items.message.items),
      ownItemBytes: items.transmission.bytes / Math.max(1, items.transmission.items),
    };
  } finally {
    await receiver.close();
  }
};
