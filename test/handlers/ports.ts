/**
 * In-memory ports for handler-level tests, composed as `lambdas/shared/wiring/` composes the AWS
 * adapters: the memory stores of `test/fixtures/memory-store.ts`, queues and mappings that record
 * their calls, and a deliverer that answers what the test says.
 */
import { MemoryDestinationVerifications } from '../fixtures/memory-verifications';
import { DEFAULT_ALERT_SETTINGS } from '../../lambdas/shared/domain/pause-episodes';
import { MemoryMappingWorklist } from '../fixtures/pause-harness';
import type { AdminPorts } from '../../lambdas/admin/directory-admin';
import type { BacklogDependencies } from '../../lambdas/shared/pauses/backlog-age';
import { hashApiKey, newId, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import type {
  ActiveDestination,
  Organization,
  PausedDestination,
  Source,
  Subscription,
} from '../../lambdas/shared/domain/model';
import type { DeliveryOutcome, DeliveryRequest } from '../../lambdas/shared/ports/deliverer';
import type { DestinationState } from '../../lambdas/shared/ports/destination-state';
import type { ApiKeyHolder, Directory } from '../../lambdas/shared/ports/directory';
import type { Log, Meter } from '../../lambdas/shared/ports/observe';
import type { DestinationQueues, EventSourceMappings, QueueEntry } from '../../lambdas/shared/ports/queues';
import {
  MemoryDeliveryHeads,
  MemoryAuditTrail,
  MemoryDirectory,
  MemoryDirectoryCatalog,
  MemoryMessageStore,
  MemoryPayloadStore,
  MemoryPayloadArchive,
  unusedRedeliveries,
  MemoryQueueListing,
  MemorySpill,
} from '../fixtures/memory-store';

/** The time every handler test runs at. */
export const NOW = new Date('2026-11-26T10:00:00.000Z');

/** The memory directory but for the two reads `KeyedDirectory` answers from its own records. */
const MemoryDirectoryBase: new () => Omit<MemoryDirectory, 'findApiKey' | 'listSubscriptionsOfSource'> =
  MemoryDirectory;

/** The memory directory, with the API keys and subscriptions ingest reads. */
export class KeyedDirectory extends MemoryDirectoryBase implements Directory, DestinationState {
  readonly apiKeys = new Map<string, ApiKeyHolder>();
  readonly subscriptions: Subscription[] = [];
  async findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    return this.apiKeys.get(apiKeyHash);
  }
  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    return this.subscriptions.filter((subscription) => subscription.sourceId === sourceId);
  }
  /** Gives `source` the key `apiKey` (stored hashed, as the admin API stores it). */
  addKey(source: Source, apiKey: string, validUntil?: string): void {
    this.apiKeys.set(hashApiKey(apiKey), validUntil === undefined ? { source } : { source, validUntil });
  }
}

/** Destination queues that keep what was sent and record what was handed back. */
export class RecordingQueues implements DestinationQueues {
  readonly sent: Array<{ queueUrl: string; entry: QueueEntry }> = [];
  readonly released: Array<{ queueUrl: string; receiptHandles: readonly string[]; seconds: number }> = [];
  readonly deleted: string[] = [];
  /** Set to make `send` fail as SQS would. */
  sendError: Error | undefined;

  async provision(destinationId: string) {
    return {
      queueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${destinationId}.fifo`,
      queueArn: `arn:aws:sqs:${destinationId}`,
    };
  }
  async send(queueUrl: string, entry: QueueEntry) {
    if (this.sendError) throw this.sendError;
    this.sent.push({ queueUrl, entry });
  }
  async depth(queueUrl: string) {
    return this.sent.filter((sent) => sent.queueUrl === queueUrl).length;
  }
  async receiveHead() {
    return undefined;
  }
  async receiveHeads() {
    return [];
  }
  async delete(_queueUrl: string, receiptHandle: string) {
    this.deleted.push(receiptHandle);
  }
  async release(queueUrl: string, receiptHandles: readonly string[], seconds: number) {
    this.released.push({ queueUrl, receiptHandles, seconds });
  }
  async remove() {
    return undefined;
  }
}

/** Mappings that record each change, in order. */
export class RecordingMappings implements EventSourceMappings {
  readonly calls: string[] = [];
  async create(queueArn: string) {
    this.calls.push(`create ${queueArn}`);
    return `mapping-of-${queueArn}`;
  }
  async setEnabled(mappingId: string, enabled: boolean) {
    this.calls.push(`${enabled ? 'enable' : 'disable'} ${mappingId}`);
    this.states.set(mappingId, enabled ? 'Enabled' : 'Disabled');
  }
  async remove(mappingId: string) {
    this.calls.push(`remove ${mappingId}`);
  }
  /** The state each mapping is in; one never changed is enabled (as a new mapping is).  */
  readonly states = new Map<string, 'Enabled' | 'Disabled'>();
  async describe(mappingId: string) {
    return { mappingId, queueArn: `arn-of-${mappingId}`, state: this.states.get(mappingId) ?? ('Enabled' as const) };
  }
  async list() {
    return [...this.states].map(([mappingId, state]) => ({ mappingId, queueArn: `arn-of-${mappingId}`, state }));
  }
}

export const organization = (name: string): Organization => ({
  id: newId('organization'),
  name,
  alertEmail: `${name.toLowerCase()}@example.org`,
  createdAt: NOW.toISOString(),
});

export const activeDestination = (organizationId: string): ActiveDestination => {
  const id = newId('destination');
  return {
    id,
    organizationId,
    name: 'Lab results',
    url: 'https://lab.example.org/hook',
    timeoutMs: 5000,
    inlineRetries: 0,
    signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    status: 'active',
    createdAt: NOW.toISOString(),
    queueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${id}.fifo`,
    queueArn: `arn:aws:sqs:${id}`,
    mappingId: `mapping-${id}`,
  };
};

/** `destination` paused since `pausedAt`, its next probe at `nextRetryAt`, its mapping already off. */
export const paused = (destination: ActiveDestination, pausedAt: string, nextRetryAt: string): PausedDestination => {
  const headMessageId = newId('message');
  return {
    ...destination,
    status: 'paused',
    pause: {
      pausedAt,
      reason: 'HTTP 503',
      fault: 'destination',
      alertedOrganizationId: destination.organizationId,
      headTransmissionId: transmissionIdOf(headMessageId, 0),
      headMessageId,
      probeStep: 0,
      nextRetryAt,
      mappingDisabled: true,
    },
  };
};

/** What the pausing functions' tests look at besides the answer. */
export interface PauseFakes {
  readonly ports: AdminPorts & BacklogDependencies;
  readonly directory: KeyedDirectory;
  readonly messages: MemoryMessageStore;
  readonly queues: RecordingQueues;
  readonly mappings: RecordingMappings;
  readonly spill: MemorySpill;
  /** Every POST the deliverer was asked for. */
  readonly posted: DeliveryRequest[];
  /** Every wait the use cases asked for, in ms (none of them is waited). */
  readonly slept: number[];
  /** Every email the mailer sent. */
  readonly mailed: Array<{ to: string; subject: string }>;
}

/**
 * The ports of delivery, the prober and admin (`createAdminPorts` and `createBacklogPorts` compose the same set) over
 * memory; the deliverer answers each POST with the next of `answers` (200 once they run out).
 */
export const pausePorts = (observe: { log: Log; meter: Meter }, answers: DeliveryOutcome[] = []): PauseFakes => {
  const directory = new KeyedDirectory();
  const worklist = new MemoryMappingWorklist(directory as unknown as MemoryDirectory, () => NOW);
  // Pause and resume put the destination on the worklist in the same step, as their transactions do.
  const recordPause = directory.recordPause.bind(directory);
  directory.recordPause = async (destinationId, pause, write) => {
    const recorded = await recordPause(destinationId, pause, write);
    if (recorded === 'recorded') worklist.put(destinationId, 'disabled', pause.pausedAt);
    return recorded;
  };
  const recordResume = directory.recordResume.bind(directory);
  directory.recordResume = async (destinationId, write) => {
    const recorded = await recordResume(destinationId, write);
    if (recorded) worklist.put(destinationId, 'enabled');
    return recorded;
  };
  const messages = new MemoryMessageStore();
  const queues = new RecordingQueues();
  const mappings = new RecordingMappings();
  // The spill counts into the directory's destinations, all it reads of it.
  const spill = new MemorySpill(directory as unknown as MemoryDirectory);
  const posted: DeliveryRequest[] = [];
  const slept: number[] = [];
  const mailed: Array<{ to: string; subject: string }> = [];
  const ports: AdminPorts & BacklogDependencies = {
    catalog: new MemoryDirectoryCatalog(directory as unknown as MemoryDirectory),
    audit: new MemoryAuditTrail(),
    verifications: new MemoryDestinationVerifications(directory as unknown as MemoryDirectory),
    verifyDestinations: false,
    directory,
    destinationState: directory,
    worklist,
    messages,
    queues,
    mappings,
    spill,
    payloads: new MemoryPayloadStore(),
    archive: new MemoryPayloadArchive(),
    redeliveries: unusedRedeliveries,
    payloadRetentionDays: 7,
    redeliveryBudgetMs: 5000,
    outbox: {
      list: async () => [...directory.outbox],
      claim: async () => true,
      remove: async (email) => void directory.outbox.splice(directory.outbox.indexOf(email), 1),
    },
    mailer: { send: async (email) => void mailed.push({ to: email.to, subject: email.subject }) },
    deliverer: {
      post: async (request) => {
        posted.push(request);
        return answers.shift() ?? { kind: 'answered', status: 200, durationMs: 3 };
      },
    },
    clock: () => NOW,
    log: observe.log,
    meter: observe.meter,
    sleep: async (ms) => void slept.push(ms),
    commitGraceMs: 30_000,
    retryBackoffMs: 1000,
    retryCapMs: 5000,
    probeLadderSeconds: [5, 10],
    pauseReleaseSeconds: 5,
    spillAfterSeconds: 12 * 24 * 60 * 60,
    // No settling time: a Resumed email is due at once, so these tests see it with the resume.
    alerting: { ...DEFAULT_ALERT_SETTINGS, settlingSeconds: 0 },
    urlPolicy: { allowPrivate: false, resolve: async () => ['93.184.216.34'] },
    // The prober's: the queues of the directory's destinations, and where delivery stands in each.
    queueListing: new MemoryQueueListing(directory as unknown as MemoryDirectory),
    deliveryHeads: new MemoryDeliveryHeads(directory as unknown as MemoryDirectory, messages),
  };
  return { ports, directory, messages, queues, mappings, spill, posted, slept, mailed };
};
