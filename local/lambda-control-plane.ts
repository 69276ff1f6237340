/**
 * Stands in for the event-source-mapping part of Lambda's control plane, which has no local
 * emulator: Create/Get/List/Update/DeleteEventSourceMapping in the SDK's shapes and with Lambda's
 * errors, over `MappingPollers`. Mappings and their enabled flags persist in a JSON file, so a
 * restart resumes them (a change still under way when it stopped has taken effect).
 *
 * Two modes. `default`: every change takes effect at once. `aws` (fidelity): Lambda at its
 * worst, as documented — an enable or disable takes effect 1–5 s later while the mapping goes on
 * polling (`Enabling`, `Disabling`; a new mapping is `Creating`), an update or delete meanwhile
 * is refused with ResourceInUseException, a second mapping of the same queue and function with
 * ResourceConflictException, and more than 15 control-plane calls in any second (create, update,
 * get, list and delete together) with TooManyRequestsException.
 */
import {
  type CreateEventSourceMappingRequest,
  type DeleteEventSourceMappingRequest,
  type EventSourceMappingConfiguration,
  type GetEventSourceMappingRequest,
  type ListEventSourceMappingsRequest,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  TooManyRequestsException,
  type UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  DELIVERY_BATCH_SIZE,
  DELIVERY_MAX_CONCURRENCY,
  type LambdaMappingApi,
} from '../lambdas/shared/adapters/lambda-event-source-mappings';
import type { MappingState } from '../lambdas/shared/ports/queues';
import { localLog } from './local-log';
import type { MappingPollers } from './mapping-pollers';

/** How the local mappings behave: as the local runtime always has, or as AWS does at its worst (seeded by `random`). */
export interface LocalMappingFidelity {
  readonly fidelity: 'default' | 'aws';
  /** In [0, 1): the delays of state changes; seeded, so that a failing run can be replayed. */
  readonly random: () => number;
}

/** The local delivery function, as the mappings name it (its context's ARN). */
export const LOCAL_DELIVERY_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:conveyor-delivery';

/** Lambda's control-plane quota: calls per second per Region and account, all control-plane APIs together. */
export const CONTROL_PLANE_CALLS_PER_SECOND = 15;
/** How long a state change takes in fidelity mode: 1 to 5 s. */
const TRANSITION_MIN_MS = 1000;
const TRANSITION_SPREAD_MS = 4000;
/** ListEventSourceMappings returns at most 100 a page. */
const LIST_PAGE_MAX = 100;

interface StoredMapping {
  readonly queueArn: string;
  /** What the last accepted change asked for (it may still be taking effect). */
  enabled: boolean;
}

interface LiveMapping extends StoredMapping {
  state: MappingState;
  transition?: NodeJS.Timeout;
}

const metadata = (httpStatusCode: number) => ({ httpStatusCode });
const notFound = (uuid: string) =>
  new ResourceNotFoundException({
    message: `The resource you requested does not exist. (Service: Lambda, mapping ${uuid})`,
    $metadata: metadata(404),
    Type: 'User',
  });
const inUse = (uuid: string, state: MappingState) =>
  new ResourceInUseException({
    message: `Cannot update the event source mapping ${uuid} because it is in use (${state}).`,
    $metadata: metadata(400),
    Type: 'User',
  });

export class LocalLambdaControlPlane implements LambdaMappingApi {
  private readonly mappings = new Map<string, LiveMapping>();
  private readonly recentCalls: number[] = [];
  private stopped = false;
  /** Every call by operation, and the refusals, for tests and benchmarks. */
  readonly calls = { create: 0, get: 0, list: 0, update: 0, delete: 0, throttled: 0, inUse: 0 };

  constructor(
    private readonly stateFile: string,
    private readonly pollers: MappingPollers,
    private readonly mode: LocalMappingFidelity = { fidelity: 'default', random: Math.random },
  ) {
    const stored = existsSync(stateFile)
      ? (JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, StoredMapping>)
      : {};
    for (const [uuid, mapping] of Object.entries(stored)) {
      this.mappings.set(uuid, {
        queueArn: mapping.queueArn,
        enabled: mapping.enabled,
        state: mapping.enabled ? 'Enabled' : 'Disabled',
      });
    }
  }

  private get faithful(): boolean {
    return this.mode.fidelity === 'aws';
  }

  /** Starts the poller of every enabled mapping (after a restart). */
  async resume(): Promise<void> {
    for (const [uuid, mapping] of this.mappings)
      if (mapping.state === 'Enabled') await this.pollers.start(uuid, mapping.queueArn);
  }

  /** The state of a mapping as the control plane has it (tests), undefined when there is none. */
  stateOf(uuid: string): MappingState | undefined {
    return this.mappings.get(uuid)?.state;
  }

  /** Every mapping and its state (tests). */
  snapshot(): Array<{ mappingId: string; queueArn: string; state: MappingState }> {
    return [...this.mappings].map(([mappingId, mapping]) => ({
      mappingId,
      queueArn: mapping.queueArn,
      state: mapping.state,
    }));
  }

  async createEventSourceMapping(input: CreateEventSourceMappingRequest): Promise<EventSourceMappingConfiguration> {
    this.admit('create');
    const queueArn = input.EventSourceArn!;
    const existing = [...this.mappings].find(([, mapping]) => mapping.queueArn === queueArn);
    if (existing) {
      if (this.faithful) {
        throw new ResourceConflictException({
          message: `An event source mapping with SQS arn (" ${queueArn} ") already exists. Please update or delete the existing mapping with UUID ${existing[0]}`,
          $metadata: metadata(409),
          Type: 'User',
        });
      }
      return this.describe(existing[0], existing[1]);
    }
    const uuid = randomUUID();
    const enabled = input.Enabled ?? true;
    const mapping: LiveMapping = {
      queueArn,
      enabled,
      state: this.faithful ? 'Creating' : enabled ? 'Enabled' : 'Disabled',
    };
    this.mappings.set(uuid, mapping);
    this.save();
    if (this.faithful) this.settleLater(uuid, mapping);
    else if (enabled) await this.pollers.start(uuid, queueArn);
    return this.describe(uuid, mapping);
  }

  async getEventSourceMapping(input: GetEventSourceMappingRequest): Promise<EventSourceMappingConfiguration> {
    this.admit('get');
    return this.describe(input.UUID!, this.require(input.UUID!));
  }

  async listEventSourceMappings(
    input: ListEventSourceMappingsRequest,
  ): Promise<{ EventSourceMappings?: EventSourceMappingConfiguration[]; NextMarker?: string }> {
    this.admit('list');
    const matching = [...this.mappings].filter(
      ([, mapping]) => input.EventSourceArn === undefined || mapping.queueArn === input.EventSourceArn,
    );
    const from = input.Marker === undefined ? 0 : Number(input.Marker);
    const to = from + Math.min(input.MaxItems ?? LIST_PAGE_MAX, LIST_PAGE_MAX);
    return {
      EventSourceMappings: matching.slice(from, to).map(([uuid, mapping]) => this.describe(uuid, mapping)),
      ...(to < matching.length ? { NextMarker: String(to) } : {}),
    };
  }

  async updateEventSourceMapping(input: UpdateEventSourceMappingRequest): Promise<EventSourceMappingConfiguration> {
    this.admit('update');
    const uuid = input.UUID!;
    const mapping = this.require(uuid);
    if (this.faithful && mapping.transition) {
      this.calls.inUse++;
      throw inUse(uuid, mapping.state);
    }
    if (input.Enabled === undefined || input.Enabled === mapping.enabled) return this.describe(uuid, mapping);
    mapping.enabled = input.Enabled;
    this.save();
    if (this.faithful) {
      // The poller keeps running while it disables, and starts only once it is enabled.
      mapping.state = mapping.enabled ? 'Enabling' : 'Disabling';
      this.settleLater(uuid, mapping);
    } else {
      mapping.state = mapping.enabled ? 'Enabled' : 'Disabled';
      if (mapping.enabled) await this.pollers.start(uuid, mapping.queueArn);
      else await this.pollers.stop(uuid);
    }
    return this.describe(uuid, mapping);
  }

  async deleteEventSourceMapping(input: DeleteEventSourceMappingRequest): Promise<EventSourceMappingConfiguration> {
    this.admit('delete');
    const uuid = input.UUID!;
    const mapping = this.require(uuid);
    if (this.faithful && mapping.transition) {
      this.calls.inUse++;
      throw inUse(uuid, mapping.state);
    }
    await this.pollers.stop(uuid);
    this.mappings.delete(uuid);
    this.save();
    return { ...this.describe(uuid, mapping), State: 'Deleting' };
  }

  /** Stops every poller and every change under way (their target is saved: a restart applies it). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const mapping of this.mappings.values()) clearTimeout(mapping.transition);
    await this.pollers.stopAll();
  }

  /** Counts a call, refusing it as Lambda does beyond 15 in any second (fidelity mode). */
  private admit(operation: 'create' | 'get' | 'list' | 'update' | 'delete') {
    if (this.faithful) {
      const now = performance.now();
      while (this.recentCalls.length > 0 && this.recentCalls[0]! <= now - 1000) this.recentCalls.shift();
      if (this.recentCalls.length >= CONTROL_PLANE_CALLS_PER_SECOND) {
        this.calls.throttled++;
        throw new TooManyRequestsException({
          message: 'Rate exceeded',
          $metadata: metadata(429),
          Type: 'User',
          Reason: 'CallerRateLimitExceeded',
          retryAfterSeconds: '1',
        });
      }
      this.recentCalls.push(now);
    }
    this.calls[operation]++;
  }

  private require(uuid: string): LiveMapping {
    const mapping = this.mappings.get(uuid);
    if (!mapping) throw notFound(uuid);
    return mapping;
  }

  /** Completes a state change after 1–5 s: the poller starts or stops only then. */
  private settleLater(uuid: string, mapping: LiveMapping) {
    const delayMs = TRANSITION_MIN_MS + this.mode.random() * TRANSITION_SPREAD_MS;
    mapping.transition = setTimeout(() => {
      mapping.transition = undefined;
      if (this.stopped || this.mappings.get(uuid) !== mapping) return;
      mapping.state = mapping.enabled ? 'Enabled' : 'Disabled';
      const change = mapping.enabled ? this.pollers.start(uuid, mapping.queueArn) : this.pollers.stop(uuid);
      change.catch((error: unknown) =>
        localLog('WARN', 'Local event-source mapping could not change state', {
          mappingId: uuid,
          errorName: (error as Error).name,
        }),
      );
    }, delayMs);
  }

  private describe(uuid: string, mapping: LiveMapping): EventSourceMappingConfiguration {
    return {
      UUID: uuid,
      EventSourceArn: mapping.queueArn,
      FunctionArn: LOCAL_DELIVERY_FUNCTION_ARN,
      State: mapping.state,
      BatchSize: DELIVERY_BATCH_SIZE,
      ScalingConfig: { MaximumConcurrency: DELIVERY_MAX_CONCURRENCY },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    };
  }

  private save() {
    const stored = Object.fromEntries(
      [...this.mappings].map(([uuid, mapping]) => [uuid, { queueArn: mapping.queueArn, enabled: mapping.enabled }]),
    );
    writeFileSync(this.stateFile, JSON.stringify(stored, null, 2));
  }
}
