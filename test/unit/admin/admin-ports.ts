/** The admin use cases' ports over in-memory fakes, with a clock that only the injected sleep moves. */
import { MemoryDestinationVerifications } from '../../fixtures/memory-verifications';
import { HARNESS_ALERT_SETTINGS, MemoryMappingWorklist } from '../../fixtures/pause-harness';
import type { AdminPorts } from '../../../lambdas/admin/directory-admin';
import { encodeEnvelope, type EnvelopeHeader } from '../../../lambdas/shared/domain/envelope';
import { newId, newSigningSecret, transmissionIdOf } from '../../../lambdas/shared/domain/ids';
import type {
  ActiveDestination,
  Message,
  Organization,
  PausedDestination,
  ProvisionedDestination,
} from '../../../lambdas/shared/domain/model';
import { pauseDestination } from '../../../lambdas/shared/pauses/pause';
import type { DeliveryOutcome } from '../../../lambdas/shared/ports/deliverer';
import {
  MemoryAuditTrail,
  MemoryDirectory,
  MemoryDirectoryCatalog,
  MemoryMessageStore,
  MemoryPayloadStore,
  MemoryPayloadArchive,
  unusedRedeliveries,
  MemorySpill,
} from '../../fixtures/memory-store';
import { MemoryMappings, MemoryQueues } from '../../fixtures/memory-queues';
import { recordingMeter } from '../../fixtures/meter';

export const organization: Organization = {
  id: newId('organization'),
  name: 'Lab',
  alertEmail: 'lab@example.org',
  createdAt: '',
};

/**
 * Fresh ports: `answers` are the endpoint's answers in turn (200 once they run out); `onSleep`
 * runs at each injected sleep, after the clock moved on (a test lets a worker finish there).
 */
export const adminPorts = (answers: DeliveryOutcome[] = []) => {
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const clock = () => new Date(now);
  const directory = new MemoryDirectory();
  directory.organizations.set(organization.id, organization);
  const messages = new MemoryMessageStore();
  const queues = new MemoryQueues(clock);
  const mappings = new MemoryMappings();
  const meter = recordingMeter();
  const posted: string[] = [];
  const sent: string[] = [];
  const slept: number[] = [];
  const hooks: { onSleep?: () => void | Promise<void> } = {};
  const audit = new MemoryAuditTrail();
  const ports: AdminPorts = {
    catalog: new MemoryDirectoryCatalog(directory),
    audit,
    verifications: new MemoryDestinationVerifications(directory),
    verifyDestinations: false,
    meter,
    payloads: new MemoryPayloadStore(),
    archive: new MemoryPayloadArchive(),
    redeliveries: unusedRedeliveries,
    payloadRetentionDays: 7,
    redeliveryBudgetMs: 5000,
    directory,
    destinationState: directory,
    worklist: new MemoryMappingWorklist(directory, clock),
    messages,
    queues,
    mappings,
    outbox: {
      list: async () => [...directory.outbox],
      claim: async () => true,
      remove: async (email) => void directory.outbox.splice(directory.outbox.indexOf(email), 1),
    },
    mailer: { send: async (email) => void sent.push(email.subject) },
    deliverer: {
      post: async (request) => {
        posted.push(request.headers['webhook-id']!);
        return answers.shift() ?? { kind: 'answered', status: 200, durationMs: 1 };
      },
    },
    clock,
    log: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() },
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      await hooks.onSleep?.();
    },
    commitGraceMs: 30_000,
    retryBackoffMs: 1,
    retryCapMs: 1,
    probeLadderSeconds: [5, 10],
    pauseReleaseSeconds: 5,
    spill: new MemorySpill(directory),
    spillAfterSeconds: 3600,
    alerting: HARNESS_ALERT_SETTINGS,
    urlPolicy: { allowPrivate: false, resolve: async () => ['203.0.113.10'] },
  };
  return {
    ports,
    audit,
    directory,
    messages,
    queues,
    mappings,
    meter,
    posted,
    sent,
    slept,
    hooks,
    clock,
    advance: (ms: number) => (now += ms),
  };
};

export type AdminFixture = ReturnType<typeof adminPorts>;

/** An active destination of `organization`, its queue provisioned and its mapping created. */
export const activeDestination = async ({ ports, directory }: AdminFixture): Promise<ActiveDestination> => {
  const id = newId('destination');
  const queue = await ports.queues.provision(id);
  const destination: ActiveDestination = {
    id,
    organizationId: organization.id,
    name: 'Lab results',
    url: 'https://lab.example/hook',
    timeoutMs: 5000,
    inlineRetries: 0,
    signingSecret: newSigningSecret(),
    status: 'active',
    createdAt: '',
    ...queue,
    mappingId: await ports.mappings.create(queue.queueArn),
  };
  directory.destinations.set(id, destination);
  return destination;
};

/** A committed message for `destination` and its queue entry's body (not enqueued). */
export const messageFor = async ({ messages, clock }: AdminFixture, destination: ProvisionedDestination) => {
  const id = newId('message');
  const message: Message = {
    id,
    sourceId: 'src_1',
    organizationId: organization.id,
    receivedAt: clock().toISOString(),
    dataModel: 'Results',
    eventType: 'New',
    transmissions: [{ id: transmissionIdOf(id, 0), destinationId: destination.id, status: 'queued', attempts: 0 }],
  };
  await messages.commitMessage(message);
  const header: EnvelopeHeader = {
    v: 1,
    messageId: id,
    transmissionId: transmissionIdOf(id, 0),
    destinationId: destination.id,
    sourceId: 'src_1',
    dataModel: 'Results',
    eventType: 'New',
    receivedAt: message.receivedAt,
  };
  return { message, header, body: encodeEnvelope(header, '{"n":1}') };
};

/** Commits a message for `destination` and puts its entry at the tail of its queue. */
export const enqueue = async (fixture: AdminFixture, destination: ProvisionedDestination) => {
  const entry = await messageFor(fixture, destination);
  await fixture.ports.queues.send(destination.queueUrl, {
    groupId: destination.id,
    deduplicationId: entry.header.transmissionId,
    body: entry.body,
  });
  return entry;
};

/** Pauses `destination` on `head` (an HTTP 500), as delivery does; the head stays first in its queue. */
export const pauseOn = async (
  fixture: AdminFixture,
  destination: ActiveDestination,
  head: Awaited<ReturnType<typeof messageFor>>,
): Promise<PausedDestination> => {
  await pauseDestination(
    destination,
    {
      kind: 'failed',
      outcome: { kind: 'answered', status: 500 },
      reason: 'HTTP 500',
      header: head.header,
      message: head.message,
    },
    fixture.ports,
  );
  return (await fixture.directory.getDestination(destination.id)) as PausedDestination;
};
