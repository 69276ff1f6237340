import { newId, newSigningSecret, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import type { Destination, Message, Organization } from '../../lambdas/shared/domain/model';
import { encodeEnvelope } from '../../lambdas/shared/domain/envelope';
import { flushOutbox, pauseDestination, probeDueDestinations, type PausePorts } from '../../lambdas/shared/pauses';
import type { DeliveryOutcome, QueuedEntry } from '../../lambdas/shared/ports';
import { MemoryDirectory, MemoryMessageStore } from '../fixtures/memory-store';

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
  const destination: Destination = {
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
    mappingId: 'mapping-1',
  };
  directory.destinations.set(destination.id, destination);
  const ports: PausePorts = {
    directory,
    messages,
    queues: {
      provision: async () => ({ queueUrl: 'queue', queueArn: 'arn' }),
      send: async () => undefined,
      depth: async () => queue.length,
      receiveHead: async () => {
        const head = queue[0];
        if (!head || head.hidden) return undefined;
        head.hidden = true;
        return head;
      },
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
    deliverer: { post: async () => answers.shift() ?? { kind: 'answered', status: 200, durationMs: 1 } },
    clock: () => new Date(now),
    log: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as PausePorts['log'],
    sleep: async (ms) => void (now += ms),
    commitGraceMs: 30_000,
    retryBackoffMs: 1,
    retryCapMs: 1,
    probeLadderSeconds: [5, 10],
    pauseReleaseSeconds: 5,
  };
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
    queue.push({ receiptHandle: `handle-${id}`, body: encodeEnvelope(header, '{}'), hidden: false });
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
    await pauseDestination((await directory.getDestination(destination.id))!, failureOf(head, 400), ports);

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
    const { ports, directory, destination, sent, mappingCalls, queue, enqueue, failureOf, advance } = setUp([
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
  });

  it('keeps an alert SES refused in the outbox and sends it on a later pass, without blocking the pause', async () => {
    const { ports, directory, destination, sent, enqueue, failureOf, setMailerDown, advance } = setUp();
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
