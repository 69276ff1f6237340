/**
 * The backlog-age pass of the prober over memory ports: the `OldestEntryAge` gauge over every
 * destination queue, and the pause of an active destination whose oldest entry nears the queue's
 * retention, after which the spill and the probe take over as for any pause.
 */
import { encodeEnvelope } from '../../../../lambdas/shared/domain/envelope';
import { newId, newSigningSecret, transmissionIdOf } from '../../../../lambdas/shared/domain/ids';
import type {
  ActiveDestination,
  Destination,
  Message,
  Organization,
  PausedDestination,
} from '../../../../lambdas/shared/domain/model';
import { type BacklogPorts, watchBacklogAge } from '../../../../lambdas/shared/pauses/backlog-age';
import { BACKLOG_PAUSE_REASON } from '../../../../lambdas/shared/pauses/backlog-pause';
import { probeDueDestinations } from '../../../../lambdas/shared/pauses/prober-pass';
import type { DeliveryRequest } from '../../../../lambdas/shared/ports/deliverer';
import type { EventSourceMappings, QueuedEntry } from '../../../../lambdas/shared/ports/queues';
import { type MappingPorts, ReconcilerMemory } from '../../../../lambdas/shared/mappings/mapping-ports';
import { reconcileMappings } from '../../../../lambdas/shared/mappings/reconcile-mappings';
import { HARNESS_ALERT_SETTINGS, MemoryMappingWorklist, MemoryPauseState } from '../../../fixtures/pause-harness';
import {
  MemoryDeliveryHeads,
  MemoryMessageStore,
  MemoryPayloadStore,
  MemoryPayloadArchive,
  MemoryQueueListing,
  MemorySpill,
} from '../../../fixtures/memory-store';
import { recordingMeter } from '../../../fixtures/meter';

const DAY_MS = 24 * 60 * 60 * 1000;
/** As deployed: entries move to the spill at 12 of SQS's 14 days. */
const SPILL_AFTER_SECONDS = 12 * 24 * 60 * 60;
const sender: Organization = {
  id: newId('organization'),
  name: 'Hospital',
  alertEmail: 'hospital@example.org',
  createdAt: '',
};
const receiver: Organization = { id: newId('organization'), name: 'Lab', alertEmail: 'lab@example.org', createdAt: '' };

/** A queue entry, and whether someone (the mapping, a probe) has it in flight: FIFO hands out nothing behind it then. */
type Entry = QueuedEntry & { inFlight: boolean; message: Message };

const setUp = () => {
  let now = Date.parse('2026-03-01T00:00:00.000Z');
  const directory = new MemoryPauseState();
  const worklist = new MemoryMappingWorklist(directory, () => new Date(now));
  directory.worklist = worklist;
  for (const organization of [sender, receiver]) directory.organizations.set(organization.id, organization);
  const messages = new MemoryMessageStore();
  // As the DynamoDB adapter's transaction: the head is marked paused with the pause, only while it waits.
  const recordPause = directory.recordPause.bind(directory);
  directory.recordPause = async (destinationId, pause, write) => {
    const message = await messages.getMessage(pause.headMessageId);
    const head =
      message === 'abandoned'
        ? undefined
        : message?.transmissions.find((transmission) => transmission.id === pause.headTransmissionId);
    if (head?.status !== 'queued' && head?.status !== 'paused')
      throw new Error('TransactionCanceledException: the head is not waiting');
    const recorded = await recordPause(destinationId, pause, write);
    if (recorded !== 'recorded') return recorded;
    await messages.setTransmissionStatus(pause.headMessageId, pause.headTransmissionId, 'paused', ['queued', 'paused']);
    return recorded;
  };
  const queues = new Map<string, Entry[]>();
  const queueOf = (url: string) => queues.get(url) ?? [];
  const received: string[] = [];
  const posted: DeliveryRequest[] = [];
  const sent: Array<{ to: string; subject: string }> = [];
  const mappingCalls: string[] = [];
  // The control plane as the reconciler sees it: each mapping enabled until it is changed.
  const mappingStates = new Map<string, 'Enabled' | 'Disabled'>();
  const mappings: EventSourceMappings = {
    create: async () => 'mapping',
    remove: async () => undefined,
    setEnabled: async (id, enabled) => {
      mappingCalls.push(`${enabled ? 'enable' : 'disable'} ${id}`);
      mappingStates.set(id, enabled ? 'Enabled' : 'Disabled');
    },
    describe: async (mappingId) => ({ mappingId, queueArn: 'arn', state: mappingStates.get(mappingId) ?? 'Enabled' }),
    list: async () => [...mappingStates].map(([mappingId, state]) => ({ mappingId, queueArn: 'arn', state })),
  };
  const meter = recordingMeter();
  const reconciler = new ReconcilerMemory(() => 0);
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  // One message group per queue: nothing is handed out while an entry of it is in flight.
  const receiveHeads = async (url: string, max: number) => {
    received.push(url);
    const queue = queueOf(url);
    if (queue.some((entry) => entry.inFlight)) return [];
    const taken = queue.slice(0, max);
    for (const entry of taken) entry.inFlight = true;
    return taken.map(({ receiptHandle, body, sentAt, position }) => ({ receiptHandle, body, sentAt, position }));
  };
  const ports: BacklogPorts & MappingPorts = {
    meter,
    payloads: new MemoryPayloadStore(),
    archive: new MemoryPayloadArchive(),
    directory,
    destinationState: directory,
    messages,
    queues: {
      provision: async () => ({ queueUrl: 'queue', queueArn: 'arn' }),
      send: async () => undefined,
      depth: async (url) => queueOf(url).length,
      receiveHead: async (url) => (await receiveHeads(url, 1))[0],
      receiveHeads,
      delete: async (url, handle) =>
        void queues.set(
          url,
          queueOf(url).filter((entry) => entry.receiptHandle !== handle),
        ),
      release: async (url, handles) => {
        for (const entry of queueOf(url)) if (handles.includes(entry.receiptHandle)) entry.inFlight = false;
      },
      remove: async () => undefined,
    },
    mappings,
    worklist,
    outbox: {
      list: async () => [...directory.outbox],
      claim: async () => true,
      remove: async (email) => void directory.outbox.splice(directory.outbox.indexOf(email), 1),
    },
    mailer: { send: async (email) => void sent.push({ to: email.to, subject: email.subject }) },
    deliverer: {
      post: async (request) => {
        posted.push(request);
        return { kind: 'answered', status: 200, durationMs: 1 };
      },
    },
    clock: () => new Date(now),
    log: log as unknown as BacklogPorts['log'],
    sleep: async (ms) => void (now += ms),
    commitGraceMs: 30_000,
    retryBackoffMs: 1,
    retryCapMs: 1,
    probeLadderSeconds: [5, 10],
    pauseReleaseSeconds: 5,
    spill: new MemorySpill(directory),
    spillAfterSeconds: SPILL_AFTER_SECONDS,
    alerting: HARNESS_ALERT_SETTINGS,
    queueListing: new MemoryQueueListing(directory),
    deliveryHeads: new MemoryDeliveryHeads(directory, messages),
  };

  /** An active destination of the receiving organization, with its (empty) queue. */
  const addDestination = (): ActiveDestination => {
    const id = newId('destination');
    const destination: ActiveDestination = {
      id,
      organizationId: receiver.id,
      name: `Lab ${id.slice(-4)}`,
      url: 'https://lab.example/hook',
      timeoutMs: 5000,
      inlineRetries: 0,
      signingSecret: newSigningSecret(),
      status: 'active',
      createdAt: new Date(now - 100 * DAY_MS).toISOString(),
      queueUrl: `queue-${id}`,
      queueArn: `arn-${id}`,
      mappingId: `mapping-${id}`,
    };
    directory.destinations.set(id, destination);
    queues.set(destination.queueUrl, []);
    return destination;
  };
  let position = 0;
  /** A committed message for `destination`, its entry enqueued `ageMs` ago. */
  const enqueue = async (destination: Destination, ageMs: number): Promise<Entry> => {
    const id = newId('message');
    const sentAt = new Date(now - ageMs).toISOString();
    const transmissionId = transmissionIdOf(id, 0);
    const message: Message = {
      id,
      sourceId: 'src_1',
      organizationId: sender.id,
      receivedAt: sentAt,
      dataModel: 'Results',
      eventType: 'New',
      transmissions: [{ id: transmissionId, destinationId: destination.id, status: 'queued', attempts: 0 }],
    };
    await messages.commitMessage(message);
    const header = {
      v: 1 as const,
      messageId: id,
      transmissionId,
      destinationId: destination.id,
      sourceId: 'src_1',
      dataModel: 'Results',
      eventType: 'New',
      receivedAt: sentAt,
    };
    position += 7;
    const entry: Entry = {
      receiptHandle: `handle-${id}`,
      body: encodeEnvelope(header, `{"n":${position}}`),
      sentAt,
      position: String(position),
      inFlight: false,
      message,
    };
    queues.get(destination.queueUrl!)!.push(entry);
    return entry;
  };
  /** The mapping takes the queue's head, and delivery reserves its sequence number (recording its sent time). */
  const deliveryTakesHead = async (destination: ActiveDestination, options = { reserve: true }): Promise<Entry> => {
    const head = queueOf(destination.queueUrl)[0]!;
    head.inFlight = true;
    if (options.reserve) await messages.reserveSequence(destination.id, head.message.transmissions[0]!.id, head.sentAt);
    return head;
  };
  /** The receiver answered: delivery records the arrival and the mapping deletes the entry. */
  const deliveryFinishes = async (destination: ActiveDestination, head: Entry) => {
    const { last } = messages.counters.get(destination.id)!;
    const transmissionId = head.message.transmissions[0]!.id;
    await messages.recordArrival({
      destinationId: destination.id,
      messageId: head.message.id,
      transmissionId,
      sequence: last,
      arrivedAt: new Date(now).toISOString(),
      attempts: 1,
    });
    queues.set(
      destination.queueUrl,
      queueOf(destination.queueUrl).filter((entry) => entry !== head),
    );
  };
  const statusOf = async (entry: Entry) => {
    const message = await messages.getMessage(entry.message.id);
    return message === 'abandoned' ? message : message?.transmissions[0]!.status;
  };
  return {
    ports,
    directory,
    messages,
    queueOf,
    received,
    posted,
    sent,
    mappingCalls,
    meter,
    log,
    addDestination,
    enqueue,
    deliveryTakesHead,
    deliveryFinishes,
    statusOf,
    advance: (ms: number) => (now += ms),
    /** One reconciler pass, as the prober runs it before its probes. */
    reconcile: () => reconcileMappings(ports, reconciler),
  };
};

describe('the backlog age', () => {
  it('publishes the age of the oldest entry over every destination queue, active or paused; an empty queue counts 0', async () => {
    const world = setUp();
    // Active, its receiver two days behind: delivery has the two-day-old head in hand.
    const active = world.addDestination();
    await world.enqueue(active, 2 * DAY_MS);
    await world.enqueue(active, DAY_MS);
    await world.deliveryTakesHead(active);
    // Paused five days ago: its head (read by a probe) was sent five days ago, though delivery last took an older entry.
    const pausedOne = world.addDestination();
    await world.enqueue(pausedOne, 6 * DAY_MS);
    await world.deliveryTakesHead(pausedOne);
    const paused: PausedDestination = {
      ...pausedOne,
      status: 'paused',
      pause: {
        pausedAt: new Date(Date.parse(world.ports.clock().toISOString()) - 5 * DAY_MS).toISOString(),
        reason: 'HTTP 503',
        fault: 'destination',
        alertedOrganizationId: receiver.id,
        headTransmissionId: 'trn_x',
        headMessageId: 'msg_x',
        probeStep: 8,
        nextRetryAt: new Date(Date.parse(world.ports.clock().toISOString()) + 60_000).toISOString(),
        mappingDisabled: true,
        queueHeadSentAt: new Date(Date.parse(world.ports.clock().toISOString()) - 5 * DAY_MS).toISOString(),
      },
    };
    world.directory.destinations.set(paused.id, paused);
    // Empty: whatever it last delivered, long ago, nothing in it is waiting.
    const empty = world.addDestination();
    await world.enqueue(empty, 30 * DAY_MS);
    await world.deliveryFinishes(empty, await world.deliveryTakesHead(empty));

    const result = await watchBacklogAge(world.ports);

    expect(result).toEqual({ queues: 3, backlogged: 2, oldestEntryAgeSeconds: 5 * 24 * 3600, paused: 0 });
    expect(world.meter.recorded).toEqual([{ name: 'OldestEntryAge', value: 5 * 24 * 3600 }]);
    // Measured from what delivery recorded: no queue was received from.
    expect(world.received).toEqual([]);
    expect(world.sent).toEqual([]);
  });

  it("bounds the age of a queue delivery never took from by its destination's creation", async () => {
    const world = setUp();
    const stuck = world.addDestination();
    await world.enqueue(stuck, 60_000);
    await world.deliveryTakesHead(stuck, { reserve: false });

    expect(await watchBacklogAge(world.ports)).toMatchObject({ oldestEntryAgeSeconds: 100 * 24 * 3600 });
  });

  it('publishes 0 when there are no destination queues', async () => {
    const world = setUp();

    expect(await watchBacklogAge(world.ports)).toEqual({
      queues: 0,
      backlogged: 0,
      oldestEntryAgeSeconds: 0,
      paused: 0,
    });
    expect(world.meter.recorded).toEqual([{ name: 'OldestEntryAge', value: 0 }]);
  });

  it('leaves an active destination alone while its oldest entry is younger than the spill age', async () => {
    const world = setUp();
    const destination = world.addDestination();
    const head = await world.enqueue(destination, SPILL_AFTER_SECONDS * 1000 - 60_000);
    await world.deliveryTakesHead(destination);

    expect(await watchBacklogAge(world.ports)).toMatchObject({
      paused: 0,
      oldestEntryAgeSeconds: SPILL_AFTER_SECONDS - 60,
    });

    expect((await world.directory.getDestination(destination.id))!.status).toBe('active');
    expect(await world.statusOf(head)).toBe('queued');
    expect([world.received, world.mappingCalls, world.sent]).toEqual([[], [], []]);
  });
});

describe('an active destination whose oldest entry nears the retention', () => {
  it('is paused for its backlog with one alert to its organization; the spill then takes the aging entries and delivers them first, in order', async () => {
    const world = setUp();
    const destination = world.addDestination();
    // A receiver slower than the inflow: delivery has the 12-day-old head in hand, an hour-old one waits behind.
    const head = await world.enqueue(destination, SPILL_AFTER_SECONDS * 1000 + 60_000);
    const aging = await world.enqueue(destination, SPILL_AFTER_SECONDS * 1000);
    const young = await world.enqueue(destination, 60 * 60_000);
    await world.deliveryTakesHead(destination);

    expect(await watchBacklogAge(world.ports)).toMatchObject({
      paused: 1,
      oldestEntryAgeSeconds: SPILL_AFTER_SECONDS + 60,
    });

    const paused = (await world.directory.getDestination(destination.id))!;
    expect(paused).toMatchObject({
      status: 'paused',
      pause: {
        fault: 'destination',
        alertedOrganizationId: receiver.id,
        headTransmissionId: head.message.transmissions[0]!.id,
        headMessageId: head.message.id,
        // The spill is due as soon as the mapping is off: the head is known to be this old.
        queueHeadSentAt: head.sentAt,
      },
    });
    expect(paused.pause!.reason).toContain(BACKLOG_PAUSE_REASON);
    expect(world.sent).toEqual([{ to: 'lab@example.org', subject: `[Conveyor] Paused: ${destination.name}` }]);
    // The pause asked for the mapping off; the reconciler turns it off and then confirms it.
    expect(world.mappingCalls).toEqual([]);
    await world.reconcile();
    await world.reconcile();
    expect(world.mappingCalls).toEqual([`disable ${destination.mappingId}`]);
    expect((await world.directory.getDestination(destination.id))!).toMatchObject({ pause: { mappingDisabled: true } });
    expect(world.meter.total('Pauses')).toBe(1);
    expect(await world.statusOf(head)).toBe('paused');

    // The receiver answers the delivery in hand (its record now says paused: nothing more is taken).
    await world.deliveryFinishes(destination, head);
    expect(await world.statusOf(head)).toBe('delivered');
    // The prober's passes, as for any paused destination: move the aging entry, deliver the spill, then the queue's head.
    for (
      let pass = 0;
      pass < 4 && (await world.directory.getDestination(destination.id))!.status === 'paused';
      pass++
    ) {
      world.advance(5000);
      await world.reconcile();
      await probeDueDestinations(world.ports);
    }
    // The resume asked for the mapping on again: the reconciler's next pass does it.
    await world.reconcile();

    expect(world.meter.total('EntriesSpilled')).toBe(1);
    expect(
      world.posted.map((request) => [request.headers['webhook-id'], request.headers['conveyor-sequence']]),
    ).toEqual([
      [aging.message.transmissions[0]!.id, '2'],
      [young.message.transmissions[0]!.id, '3'],
    ]);
    expect((await world.directory.getDestination(destination.id))!).toMatchObject({ status: 'active', spilled: 0 });
    expect(world.mappingCalls).toEqual([`disable ${destination.mappingId}`, `enable ${destination.mappingId}`]);
    expect(world.sent.map((email) => email.subject)).toEqual([
      `[Conveyor] Paused: ${destination.name}`,
      `[Conveyor] Resumed: ${destination.name}`,
    ]);
    // The head delivered during the pause stays delivered: the resume leaves it be.
    expect(await world.statusOf(head)).toBe('delivered');
  });

  it("is paused on the queue's own head when nothing consumes the queue, and the head is put back", async () => {
    const world = setUp();
    const destination = world.addDestination();
    // Delivery last took an entry long ago and delivered it; since then the mapping stopped.
    await world.enqueue(destination, 13 * DAY_MS);
    await world.deliveryFinishes(destination, await world.deliveryTakesHead(destination));
    const head = await world.enqueue(destination, SPILL_AFTER_SECONDS * 1000 + 1000);

    expect(await watchBacklogAge(world.ports)).toMatchObject({
      paused: 1,
      oldestEntryAgeSeconds: SPILL_AFTER_SECONDS + 1,
    });

    expect((await world.directory.getDestination(destination.id))!.pause).toMatchObject({
      headTransmissionId: head.message.transmissions[0]!.id,
      queueHeadSentAt: head.sentAt,
    });
    expect(await world.statusOf(head)).toBe('paused');
    expect(world.queueOf(destination.queueUrl)).toEqual([
      expect.objectContaining({ receiptHandle: head.receiptHandle, inFlight: false }),
    ]);
  });

  it("is left alone when its own head shows the recorded time was stale, and the age is the head's", async () => {
    const world = setUp();
    const destination = world.addDestination();
    // Delivered 20 days ago, idle since, and a message arrived a minute ago.
    await world.enqueue(destination, 20 * DAY_MS);
    await world.deliveryFinishes(destination, await world.deliveryTakesHead(destination));
    const head = await world.enqueue(destination, 60_000);

    expect(await watchBacklogAge(world.ports)).toMatchObject({ paused: 0, oldestEntryAgeSeconds: 60 });

    expect((await world.directory.getDestination(destination.id))!.status).toBe('active');
    expect(world.queueOf(destination.queueUrl)).toEqual([
      expect.objectContaining({ receiptHandle: head.receiptHandle, inFlight: false }),
    ]);
    expect([world.mappingCalls, world.sent]).toEqual([[], []]);
  });

  it('is not paused while the head is in flight and the transmission delivery last took is delivered: the head is not known yet', async () => {
    const world = setUp();
    const destination = world.addDestination();
    const delivered = await world.enqueue(destination, 13 * DAY_MS);
    await world.deliveryFinishes(destination, await world.deliveryTakesHead(destination));
    // The mapping took the next entry; delivery has not reserved its number yet.
    await world.enqueue(destination, 60_000);
    await world.deliveryTakesHead(destination, { reserve: false });

    expect(await watchBacklogAge(world.ports)).toMatchObject({ paused: 0, oldestEntryAgeSeconds: 13 * 24 * 3600 });

    expect((await world.directory.getDestination(destination.id))!.status).toBe('active');
    // Never marked paused: it was delivered.
    expect(await world.statusOf(delivered)).toBe('delivered');
    expect([world.mappingCalls, world.sent]).toEqual([[], []]);
  });

  it('goes on with the other destinations when one cannot be paused, and counts a queue without a destination nowhere', async () => {
    const world = setUp();
    const failing = world.addDestination();
    await world.enqueue(failing, 13 * DAY_MS);
    await world.deliveryTakesHead(failing);
    const other = world.addDestination();
    await world.enqueue(other, 13 * DAY_MS);
    await world.deliveryTakesHead(other);
    const orphan = world.addDestination();
    await world.enqueue(orphan, 40 * DAY_MS);
    world.directory.destinations.delete(orphan.id);
    const recordPause = world.directory.recordPause.bind(world.directory);
    world.directory.recordPause = async (destinationId, pause, write) => {
      if (destinationId === failing.id) throw new Error('TransactionCanceledException');
      return recordPause(destinationId, pause, write);
    };
    (world.ports.queueListing as { listDestinationQueues: unknown }).listDestinationQueues = async () => [
      ...[failing, other].map((destination) => ({ destinationId: destination.id, queueUrl: destination.queueUrl })),
      { destinationId: orphan.id, queueUrl: orphan.queueUrl },
    ];

    expect(await watchBacklogAge(world.ports)).toMatchObject({
      queues: 3,
      backlogged: 3,
      paused: 1,
      oldestEntryAgeSeconds: 13 * 24 * 3600,
    });

    expect((await world.directory.getDestination(other.id))!.status).toBe('paused');
    expect(world.log.warn).toHaveBeenCalledWith(
      expect.stringContaining('not paused'),
      expect.objectContaining({ destinationId: failing.id }),
    );
    expect(world.log.warn).toHaveBeenCalledWith(
      expect.stringContaining('no destination'),
      expect.objectContaining({ destinationId: orphan.id }),
    );
  });
});
