/**
 * `runRedelivery` and `continueRedeliveries` over memory ports: the order entries are sent in, a
 * turn resumed after a crash, payloads no longer kept, a destination gone, a lease lost, and one
 * destination's ranges kept one after another. (The whole flow against the stand-ins:
 * test/integration/redeliver.test.ts.)
 */
import { decodeEnvelope } from '../../../../lambdas/shared/domain/envelope';
import type { Arrival, Destination, Message } from '../../../../lambdas/shared/domain/model';
import type { QueueEntry } from '../../../../lambdas/shared/ports/queues';
import type {
  Redelivery,
  RedeliveryPreparation,
  RedeliveryStore,
  RestoredPayload,
} from '../../../../lambdas/shared/ports/redeliveries';
import { continueRedeliveries } from '../../../../lambdas/shared/redelivery/continue-redeliveries';
import { type RedeliveryPorts, runRedelivery } from '../../../../lambdas/shared/redelivery/run-redelivery';
import { MemoryPayloadStore } from '../../../fixtures/memory-store';
import { recordingMeter } from '../../../fixtures/meter';

const NOW = Date.parse('2026-01-02T00:00:00.000Z');
const destination = {
  id: 'dst_1',
  organizationId: 'org_1',
  name: 'Lab',
  url: 'https://lab.example.org/hook',
  signingSecret: 'whsec_x',
  timeoutMs: 5000,
  inlineRetries: 2,
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  queueUrl: 'queue-dst_1',
  queueArn: 'arn',
  mappingId: 'mapping-1',
} as Destination;

/** Arrival n (1-based) of message msg_n, n minutes after 10:00. */
const arrivalOf = (n: number): Arrival => ({
  sequence: n,
  transmissionId: `trn_${n}`,
  messageId: `msg_${n}`,
  arrivedAt: new Date(Date.parse('2026-01-01T10:00:00.000Z') + n * 60_000).toISOString(),
  attempts: 1,
});

const messageOf = (n: number): Message => ({
  id: `msg_${n}`,
  sourceId: 'src_1',
  organizationId: 'org_1',
  receivedAt: '2026-01-01T09:00:00.000Z',
  dataModel: 'Results',
  eventType: 'New',
  transmissions: [{ id: `trn_${n}`, destinationId: 'dst_1', status: 'delivered', attempts: 1 }],
});

/** The arrival log, transmissions and redeliveries in memory, with DynamoDB's conditions. */
class MemoryRedeliveries implements RedeliveryStore {
  arrivals: Arrival[] = [];
  /** transmission id → status, generation, token */
  transmissions = new Map<string, { status: string; generation: number; token?: string }>();
  records = new Map<string, Redelivery & { holder: string; heldUntil: number }>();
  failPrepareAt?: string;

  async lastSequence() {
    return this.arrivals.at(-1)?.sequence ?? 0;
  }
  async firstSequenceArrivedFrom(_id: string, time: string, upTo: number) {
    return this.arrivals.find((arrival) => arrival.sequence <= upTo && arrival.arrivedAt >= time)?.sequence ?? upTo + 1;
  }
  async listArrivals(_id: string, from: number, upTo: number, limit: number) {
    return this.arrivals.filter((arrival) => arrival.sequence >= from && arrival.sequence <= upTo).slice(0, limit);
  }
  async prepareRedelivery(_messageId: string, transmissionId: string, token: string): Promise<RedeliveryPreparation> {
    if (this.failPrepareAt === transmissionId) throw new Error('crash');
    const transmission = this.transmissions.get(transmissionId)!;
    if (transmission.status === 'delivered' && transmission.token !== token) {
      Object.assign(transmission, { status: 'queued', generation: transmission.generation + 1, token });
      return { outcome: 'prepared', generation: transmission.generation, status: 'queued' };
    }
    if (transmission.token === token)
      return {
        outcome: 'prepared_earlier',
        generation: transmission.generation,
        status: transmission.status as 'queued',
      };
    return { outcome: 'not_delivered', status: transmission.status as 'queued' };
  }
  async create(redelivery: Redelivery, holder: string, leaseMs: number) {
    this.records.set(redelivery.id, { ...redelivery, holder, heldUntil: NOW + leaseMs });
  }
  async listUnfinished() {
    return [...this.records.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
  async take(id: string, holder: string, leaseMs: number) {
    const record = this.records.get(id);
    if (!record || (record.holder !== holder && record.heldUntil >= NOW)) return false;
    Object.assign(record, { holder, heldUntil: NOW + leaseMs });
    return true;
  }
  async advance(id: string, holder: string, nextSequence: number, enqueued: number) {
    const record = this.records.get(id);
    if (!record || record.holder !== holder) return false;
    Object.assign(record, { nextSequence, enqueued });
    return true;
  }
  async release(id: string, holder: string) {
    const record = this.records.get(id);
    if (record?.holder === holder) record.heldUntil = 0;
  }
  async finish(id: string) {
    this.records.delete(id);
  }
}

const setUp = (count: number) => {
  const store = new MemoryRedeliveries();
  const kept = new Map<string, string>();
  for (let n = 1; n <= count; n++) {
    store.arrivals.push(arrivalOf(n));
    store.transmissions.set(`trn_${n}`, { status: 'delivered', generation: 0 });
    kept.set(`msg_${n}`, `{"n":${n}}`);
  }
  const sent: QueueEntry[] = [];
  // Each send takes a second of the turn's time.
  let now = NOW;
  const meter = recordingMeter();
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const ports: RedeliveryPorts = {
    redeliveries: store,
    archive: {
      keep: async () => undefined,
      restore: async (messageId): Promise<RestoredPayload | undefined> => {
        const rawData = kept.get(messageId);
        return rawData === undefined ? undefined : { rawData };
      },
    },
    payloads: new MemoryPayloadStore(),
    directory: { getDestination: async (id) => (id === destination.id ? destination : undefined) },
    messages: {
      getMessages: async (ids) => new Map(ids.map((id) => [id, messageOf(Number(id.slice('msg_'.length)))])),
    },
    queues: {
      send: async (_url, entry) => {
        sent.push(entry);
        now += 1000;
      },
    },
    clock: () => new Date(now),
    log: log as unknown as RedeliveryPorts['log'],
    meter,
  };
  const redelivery = (overrides: Partial<Redelivery> = {}): Redelivery => ({
    id: 'rdl_1',
    destinationId: destination.id,
    since: '2026-01-01T10:00:00.000Z',
    until: '2026-01-01T11:00:00.000Z',
    lastSequence: count,
    nextSequence: 1,
    count,
    enqueued: 0,
    createdAt: new Date(NOW).toISOString(),
    ...overrides,
  });
  const sentTransmissions = () => sent.map((entry) => decodeEnvelope(entry.body).header.transmissionId);
  return { store, kept, sent, meter, log, ports, redelivery, sentTransmissions };
};

describe('runRedelivery', () => {
  it('sends every transmission of the range, in arrival order, at its next generation, and removes the redelivery', async () => {
    const { store, ports, redelivery, sent, sentTransmissions } = setUp(120);
    const record = redelivery({ since: '2026-01-01T10:05:00.000Z', until: '2026-01-01T11:50:00.000Z' });
    await store.create(record, 'admin:a', 60_000);

    expect(await runRedelivery(record, 'admin:a', NOW + 3600_000, ports)).toBe('done');

    // 10:05 is arrival 5; 11:50 is arrival 110, the first one out.
    expect(sentTransmissions()).toEqual(Array.from({ length: 105 }, (_, index) => `trn_${index + 5}`));
    const first = decodeEnvelope(sent[0]!.body);
    expect(first.header).toMatchObject({ messageId: 'msg_5', destinationId: 'dst_1', generation: 1 });
    expect(first.rawData).toBe('{"n":5}');
    expect(sent[0]).toMatchObject({ groupId: 'dst_1', deduplicationId: 'trn_5-g1' });
    expect(store.records.size).toBe(0);
  });

  it('after a crash, sends again what the crashed turn moved (same generation: SQS drops the copy) and goes on', async () => {
    const { store, ports, redelivery, sent, sentTransmissions } = setUp(5);
    const record = redelivery();
    await store.create(record, 'admin:a', 60_000);
    store.failPrepareAt = 'trn_3';
    await expect(runRedelivery(record, 'admin:a', NOW + 3600_000, ports)).rejects.toThrow('crash');
    expect(sentTransmissions()).toEqual(['trn_1', 'trn_2']);

    store.failPrepareAt = undefined;
    const [resumed] = await store.listUnfinished();
    expect(await runRedelivery(resumed!, 'admin:a', NOW + 3600_000, ports)).toBe('done');

    expect(sentTransmissions()).toEqual(['trn_1', 'trn_2', 'trn_1', 'trn_2', 'trn_3', 'trn_4', 'trn_5']);
    expect(sent.map((entry) => entry.deduplicationId)).toEqual([
      'trn_1-g1',
      'trn_2-g1',
      'trn_1-g1',
      'trn_2-g1',
      'trn_3-g1',
      'trn_4-g1',
      'trn_5-g1',
    ]);
  });

  it('passes over a transmission that is not delivered now, and leaves out one whose payload is gone, counted', async () => {
    const { store, kept, ports, redelivery, meter, log, sentTransmissions } = setUp(4);
    store.transmissions.get('trn_2')!.status = 'paused';
    kept.delete('msg_3');
    const record = redelivery();
    await store.create(record, 'admin:a', 60_000);

    expect(await runRedelivery(record, 'admin:a', NOW + 3600_000, ports)).toBe('done');

    expect(sentTransmissions()).toEqual(['trn_1', 'trn_4']);
    expect(meter.recorded).toContainEqual({ name: 'RedeliveryPayloadsMissing', value: 1 });
    expect(log.error).toHaveBeenCalledWith(
      'Redelivery left a transmission out: its payload is no longer kept',
      expect.objectContaining({ transmissionId: 'trn_3' }),
    );
    // Never moved: it stays delivered.
    expect(store.transmissions.get('trn_3')).toMatchObject({ status: 'delivered', generation: 0 });
  });

  it('stops after a page once out of time, with its progress recorded, and stops when another holder took it', async () => {
    const { store, ports, redelivery, sentTransmissions } = setUp(120);
    const record = redelivery();
    await store.create(record, 'admin:a', 60_000);

    // Out of time after the first page: 50 sends take 50 s of a 10 s turn.
    expect(await runRedelivery(record, 'admin:a', NOW + 10_000, ports)).toBe('more');
    expect(sentTransmissions()).toHaveLength(50);
    expect(store.records.get('rdl_1')).toMatchObject({ nextSequence: 51, enqueued: 50 });

    store.records.get('rdl_1')!.holder = 'prober:b';
    const [current] = await store.listUnfinished();
    expect(await runRedelivery(current!, 'admin:a', NOW + 3600_000, ports)).toBe('lost');
  });

  it('drops a redelivery whose destination is gone', async () => {
    const { store, ports, redelivery, sent } = setUp(3);
    const record = redelivery({ destinationId: 'dst_gone' });
    await store.create(record, 'admin:a', 60_000);

    expect(await runRedelivery(record, 'admin:a', NOW + 3600_000, ports)).toBe('done');
    expect(sent).toHaveLength(0);
    expect(store.records.size).toBe(0);
  });
});

describe('continueRedeliveries', () => {
  it('goes on with a released redelivery, and keeps a destination’s later range waiting behind an unfinished one', async () => {
    const { store, ports, redelivery, sentTransmissions } = setUp(120);
    await store.create(redelivery({ id: 'rdl_1' }), 'admin:a', 60_000);
    await store.release('rdl_1', 'admin:a');
    await store.create(redelivery({ id: 'rdl_2', until: '2026-01-01T10:03:00.000Z' }), 'admin:b', 60_000);
    await store.release('rdl_2', 'admin:b');

    // Out of time after the first page of rdl_1: rdl_2 must not start before it.
    expect(await continueRedeliveries(ports, 'prober:p', NOW + 10_000)).toEqual({ unfinished: 2 });
    expect(sentTransmissions()).toHaveLength(50);

    // What was sent so far is delivered meanwhile (delivery sets each back to delivered).
    for (const transmission of store.transmissions.values()) transmission.status = 'delivered';
    expect(await continueRedeliveries(ports, 'prober:p', NOW + 3600_000)).toEqual({ unfinished: 0 });
    // rdl_1 is [10:00, 11:00): arrivals 1–59; then rdl_2, [10:00, 10:03): arrivals 1 and 2, again.
    expect(sentTransmissions()).toEqual([
      ...Array.from({ length: 59 }, (_, index) => `trn_${index + 1}`),
      'trn_1',
      'trn_2',
    ]);
  });

  it('leaves a redelivery its creator still holds', async () => {
    const { store, ports, redelivery, sent } = setUp(3);
    await store.create(redelivery(), 'admin:a', 60_000);

    expect(await continueRedeliveries(ports, 'prober:p', NOW + 3600_000)).toEqual({ unfinished: 1 });
    expect(sent).toHaveLength(0);
  });
});
