import { newId, newSigningSecret, transmissionIdOf } from '../../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Message, Organization, ProvisionedDestination } from '../../../../lambdas/shared/domain/model';
import { encodeEnvelope } from '../../../../lambdas/shared/domain/envelope';
import { flushOutbox } from '../../../../lambdas/shared/pauses/alert-outbox';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { probeDestination } from '../../../../lambdas/shared/pauses/probe';
import { probeDueDestinations } from '../../../../lambdas/shared/pauses/prober-pass';
import { reportPauseGauges } from '../../../../lambdas/shared/pauses/gauges';
import { type PausePorts } from '../../../../lambdas/shared/pauses/pause-ports';
import type { DeliveryOutcome } from '../../../../lambdas/shared/ports/deliverer';
import type { QueuedEntry } from '../../../../lambdas/shared/ports/queues';
import { MemoryDirectory, MemoryMessageStore, MemoryPayloadStore, MemorySpill } from '../../../fixtures/memory-store';
import { recordingMeter } from '../../../fixtures/meter';

const sender: Organization = { id: newId('organization'), name: 'Hospital', alertEmail: 'hospital@example.org', createdAt: '' };
const receiver: Organization = { id: newId('organization'), name: 'Lab', alertEmail: 'lab@example.org', createdAt: '' };

const setUp = (answers: DeliveryOutcome[] = []) => {
  let now = Date.now();
  const directory = new MemoryDirectory();
  for (const organization of [sender, receiver]) directory.organizations.set(organization.id, organization);
  const messages = new MemoryMessageStore();
  const queue: Array<QueuedEntry & { hidden: boolean }> = [];
  const sent: Array<{ to: string; subject: string }> = [];
  const mappingCalls: boolean[] = [];
  let mailerDown = false;
  const claims = new Map<string, number>();
  const destination: ActiveDestination = {
    id: newId('destination'),
    organizationId: receiver.id,
    name: 'Lab results',
    url: 'https://lab.example/hook',
    timeoutMs: 5000,
    inlineRetries: 0,
    signingSecret: newSigningSecret(),
    status: 'active',
    createdAt: '',
    queueUrl: 'queue',
    queueArn: 'arn',
    mappingId: 'mapping-1',
  };
  directory.destinations.set(destination.id, destination);
  // Like a FIFO queue with one group: nothing is handed out behind an entry that is in flight.
  const receiveHeads = async (_url: string, max: number) => {
    const taken: QueuedEntry[] = [];
    for (const entry of queue) {
      if (entry.hidden || taken.length === max) break;
      entry.hidden = true;
      taken.push(entry);
    }
    return taken;
  };
  const posted: string[] = [];
  const spill = new MemorySpill(directory);
  const meter = recordingMeter();
  const ports: PausePorts = {
    meter,
    payloads: new MemoryPayloadStore(),
    directory,
    destinationState: directory,
    messages,
    queues: {
      provision: async () => ({ queueUrl: 'queue', queueArn: 'arn' }),
      send: async () => undefined,
      depth: async () => queue.length,
      receiveHead: async (url) => (await receiveHeads(url, 1))[0],
      receiveHeads,
      delete: async (_url, handle) => {
        queue.splice(queue.findIndex((entry) => entry.receiptHandle === handle), 1);
      },
      release: async (_url, handles) => {
        for (const entry of queue) if (handles.includes(entry.receiptHandle)) entry.hidden = false;
      },
    },
    mappings: { create: async () => 'mapping-1', remove: async () => undefined, setEnabled: async (_id, enabled) => void mappingCalls.push(enabled) },
    outbox: {
      list: async () => [...directory.outbox],
      claim: async (email, leaseMs) => {
        const until = claims.get(email.id) ?? 0;
        if (until > now) return false;
        claims.set(email.id, now + leaseMs);
        return true;
      },
      remove: async (email) => void directory.outbox.splice(directory.outbox.indexOf(email), 1),
    },
    mailer: {
      send: async (email) => {
        if (mailerDown) throw new Error('SES unavailable');
        sent.push({ to: email.to, subject: email.subject });
      },
    },
    deliverer: {
      post: async (request) => {
        posted.push(request.headers['webhook-id']!);
        return answers.shift() ?? { kind: 'answered', status: 200, durationMs: 1 };
      },
    },
    clock: () => new Date(now),
    log: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as PausePorts['log'],
    sleep: async (ms) => void (now += ms),
    commitGraceMs: 30_000,
    retryBackoffMs: 1,
    retryCapMs: 1,
    probeLadderSeconds: [5, 10],
    pauseReleaseSeconds: 5,
    spill,
    spillAfterSeconds: 60,
  };
  let position = 0;
  const enqueue = async () => {
    const id = newId('message');
    const message: Message = {
      id,
      sourceId: 'src_1',
      organizationId: sender.id,
      receivedAt: new Date(now).toISOString(),
      dataModel: 'Results',
      eventType: 'New',
      transmissions: [{ id: transmissionIdOf(id, 0), destinationId: destination.id, status: 'queued', attempts: 0 }],
    };
    await messages.commitMessage(message);
    const header = { v: 1 as const, messageId: id, transmissionId: transmissionIdOf(id, 0), destinationId: destination.id, sourceId: 'src_1', dataModel: 'Results', eventType: 'New', receivedAt: message.receivedAt };
    position += 7;
    queue.push({ receiptHandle: `handle-${id}`, body: encodeEnvelope(header, '{}'), hidden: false, sentAt: message.receivedAt, position: String(position) });
    return message;
  };
  const failureOf = (message: Message, status: number) => ({
    kind: 'failed' as const,
    outcome: { kind: 'answered' as const, status },
    reason: `HTTP ${status}`,
    header: { v: 1 as const, messageId: message.id, transmissionId: message.transmissions[0]!.id, destinationId: destination.id, sourceId: 'src_1', dataModel: 'Results', eventType: 'New', receivedAt: message.receivedAt },
    message,
  });
  return {
    ports,
    directory,
    destination,
    sent,
    mappingCalls,
    queue,
    spill,
    posted,
    meter,
    enqueue,
    failureOf,
    advance: (ms: number) => (now += ms),
    setMailerDown: (down: boolean) => (mailerDown = down),
  };
};

describe('pause episodes', () => {
  it('alerts the sending organization when the endpoint refused the data, once per episode', async () => {
    const { ports, directory, destination, sent, mappingCalls, enqueue, failureOf } = setUp();
    const head = await enqueue();

    await pauseDestination(destination, failureOf(head, 400), ports);
    await pauseDestination((await directory.getDestination(destination.id)) as ProvisionedDestination, failureOf(head, 400), ports);

    expect(sent).toEqual([{ to: 'hospital@example.org', subject: '[Conveyor] Paused: Lab results' }]);
    expect(mappingCalls).toEqual([false]);
    expect((await directory.getDestination(destination.id))!.pause).toMatchObject({ fault: 'sender', reason: 'HTTP 400', mappingDisabled: true });
  });

  it.each([500, 408, 429])('alerts the destination organization for HTTP %s', async (status) => {
    const { ports, destination, sent, enqueue, failureOf } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), status), ports);
    expect(sent.map((email) => email.to)).toEqual(['lab@example.org']);
  });

  it('probes on the ladder, stays paused while the head fails, and resumes on the first success with one more email', async () => {
    const { ports, directory, destination, sent, mappingCalls, queue, meter, enqueue, failureOf, advance } = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
      { kind: 'answered', status: 503, durationMs: 1 },
    ]);
    const head = await enqueue();
    await enqueue();
    await pauseDestination(destination, failureOf(head, 503), ports);

    expect(await probeDueDestinations(ports)).toMatchObject({ paused: 1, probed: 0 });
    advance(5000);
    expect(await probeDueDestinations(ports)).toMatchObject({ probed: 1, resumed: 0 });
    advance(5000);
    expect(await probeDueDestinations(ports)).toMatchObject({ probed: 0 });
    advance(5000);
    expect(await probeDueDestinations(ports)).toMatchObject({ probed: 1, resumed: 0 });
    advance(10_000);
    expect(await probeDueDestinations(ports)).toMatchObject({ probed: 1, resumed: 1 });

    expect((await directory.getDestination(destination.id))!.status).toBe('active');
    expect(queue).toHaveLength(1);
    expect(mappingCalls).toEqual([false, true]);
    expect(sent.map((email) => email.subject)).toEqual(['[Conveyor] Paused: Lab results', '[Conveyor] Resumed: Lab results']);
    expect([meter.total('Pauses'), meter.total('Resumes'), meter.total('AlertsSent'), meter.total('FailedAttempts')]).toEqual([1, 1, 2, 2]);
  });

  it('keeps an alert SES refused in the outbox and sends it on a later pass, without blocking the pause', async () => {
    const { ports, directory, destination, sent, meter, enqueue, failureOf, setMailerDown, advance } = setUp();
    setMailerDown(true);

    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);

    expect((await directory.getDestination(destination.id))!.status).toBe('paused');
    expect(sent).toEqual([]);
    // Claimed by the failed attempt: not tried again until the claim runs out.
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 0 });
    advance(60_000);
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 1 });
    setMailerDown(false);
    advance(60_000);
    expect(await flushOutbox(ports)).toEqual({ sent: 1, failed: 0 });
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 0 });
    expect(sent).toHaveLength(1);
    expect(meter.total('AlertSendFailures')).toBe(2);
  });

  it('sends an alert once when two flushes race for it', async () => {
    const { ports, destination, sent, enqueue, failureOf } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);
    sent.length = 0;
    const directory = ports.directory as MemoryDirectory;
    directory.outbox.push({ id: 'racing', to: 'lab@example.org', subject: 'race', body: '', destinationId: destination.id, createdAt: '' });

    await Promise.all([flushOutbox(ports), flushOutbox(ports)]);

    expect(sent).toEqual([{ to: 'lab@example.org', subject: 'race' }]);
  });

  it('resumes a paused destination whose queue emptied', async () => {
    const { ports, directory, destination, queue, enqueue, failureOf, advance } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);
    queue.length = 0;
    advance(5000);

    expect(await probeDueDestinations(ports)).toMatchObject({ resumed: 1 });
    expect((await directory.getDestination(destination.id))!.status).toBe('active');
  });
});

describe('pauses longer than the queue retention', () => {
  const transmissionsOf = (messages: Message[]) => messages.map((message) => message.transmissions[0]!.id);
  const failing = (count: number): DeliveryOutcome[] => Array.from({ length: count }, () => ({ kind: 'answered', status: 503, durationMs: 1 }));

  /** Pauses on the first of three entries, probes once (learning the head's age), then lets them age past `spillAfterSeconds` while two newer arrive. */
  const pausedWithAgingBacklog = async () => {
    const setup = setUp(failing(2));
    const old = [await setup.enqueue(), await setup.enqueue(), await setup.enqueue()];
    await pauseDestination(setup.destination, setup.failureOf(old[0]!, 503), setup.ports);
    setup.advance(5000);
    await probeDueDestinations(setup.ports);
    setup.advance(30_000);
    const young = [await setup.enqueue(), await setup.enqueue()];
    setup.advance(30_000);
    return { ...setup, old, young };
  };

  it('moves entries nearing retention to the spill, head first and in order, and leaves younger ones queued', async () => {
    const { ports, directory, destination, queue, spill, meter, old, young } = await pausedWithAgingBacklog();

    expect(await probeDueDestinations(ports)).toMatchObject({ spilled: 3 });
    expect(meter.total('EntriesSpilled')).toBe(3);

    expect(spill.entries.get(destination.id)!.map((entry) => entry.body)).toEqual(old.map((message) => expect.stringContaining(message.transmissions[0]!.id)));
    expect(queue.map((entry) => entry.body)).toEqual(young.map((message) => expect.stringContaining(message.transmissions[0]!.id)));
    expect(queue.every((entry) => !entry.hidden)).toBe(true);
    const paused = (await directory.getDestination(destination.id))!;
    expect(paused).toMatchObject({ status: 'paused', spilled: 3, pause: { queueHeadSentAt: young[0]!.receivedAt } });
  });

  it('delivers the spill before the queue once the endpoint answers, then resumes with one email', async () => {
    const { ports, directory, destination, queue, spill, posted, sent, mappingCalls, old, young, advance } = await pausedWithAgingBacklog();
    await probeDueDestinations(ports);
    posted.length = 0;

    // Every 10 s, before the younger entries reach the spill age themselves.
    for (let pass = 0; pass < 3 && (await directory.getDestination(destination.id))!.status === 'paused'; pass++) {
      advance(10_000);
      await probeDueDestinations(ports);
    }

    expect(posted).toEqual(transmissionsOf([...old, young[0]!]));
    // The probe of the queue's head recorded its send time with its sequence number, as delivery does.
    expect((ports.messages as MemoryMessageStore).counters.get(destination.id)).toMatchObject({ last: 4, headSentAt: young[0]!.receivedAt });
    expect(spill.entries.get(destination.id)).toEqual([]);
    expect(queue).toHaveLength(1);
    expect((await directory.getDestination(destination.id))!).toMatchObject({ status: 'active', spilled: 0 });
    expect(mappingCalls).toEqual([false, true]);
    expect(sent.map((email) => email.subject)).toEqual(['[Conveyor] Paused: Lab results', '[Conveyor] Resumed: Lab results']);
  });

  it('reports the spilled entry that fails as the head, and tries it on the ladder', async () => {
    const { ports, directory, destination, old, advance } = await pausedWithAgingBacklog();
    await probeDueDestinations(ports);
    // The first spilled entry goes through; the second fails.
    (ports.deliverer as { post: unknown }).post = jest
      .fn()
      .mockResolvedValueOnce({ kind: 'answered', status: 200, durationMs: 1 })
      .mockResolvedValue({ kind: 'answered', status: 500, durationMs: 1 });
    advance(10_000);

    await probeDueDestinations(ports);

    const paused = (await directory.getDestination(destination.id))!;
    expect(paused).toMatchObject({ status: 'paused', spilled: 2, pause: { headTransmissionId: old[1]!.transmissions[0]!.id, reason: 'HTTP 500' } });
    // A spilled entry's delivery records its send time with its sequence number, as delivery does.
    expect((ports.messages as MemoryMessageStore).counters.get(destination.id)).toMatchObject({ headSentAt: old[1]!.receivedAt });
    expect(Date.parse(paused.pause!.nextRetryAt) - ports.clock().getTime()).toBe(5000);
  });

  it('does nothing with a head another worker holds', async () => {
    const { ports, directory, destination, posted, advance } = await pausedWithAgingBacklog();
    await directory.holdHead(destination.id, 'someone else');
    posted.length = 0;
    advance(60_000);

    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('busy');
    expect(await probeDueDestinations(ports)).toMatchObject({ spilled: 0, resumed: 0 });
    expect(posted).toEqual([]);
  });
});

describe('pause gauges', () => {
  it('reports paused destinations, the longest pause and the oldest entry waiting, spill first', async () => {
    const { ports, destination, meter, enqueue, failureOf, advance } = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
      { kind: 'answered', status: 503, durationMs: 1 },
    ]);
    await reportPauseGauges(ports);
    expect([meter.last('PausedDestinations'), meter.last('LongestPause'), meter.last('OldestPausedEntryAge')]).toEqual([0, 0, 0]);

    const head = await enqueue();
    advance(30_000);
    await pauseDestination(destination, failureOf(head, 503), ports);
    advance(90_000);
    await reportPauseGauges(ports);
    // Before any probe read the head, the pause's own age is the floor for the head's.
    expect([meter.last('PausedDestinations'), meter.last('LongestPause'), meter.last('OldestPausedEntryAge')]).toEqual([1, 90, 90]);

    // A probe reads the head's own send time; the next pass moves it to the spill (older than 60 s).
    await probeDueDestinations(ports);
    await reportPauseGauges(ports);
    expect([meter.last('OldestPausedEntryAge'), meter.last('SpillBacklog')]).toEqual([120, 0]);
    await probeDueDestinations(ports);
    await reportPauseGauges(ports);
    expect([meter.last('OldestPausedEntryAge'), meter.last('SpillBacklog')]).toEqual([120, 1]);
  });
});
