/**
 * The event-source mappings over Lambda's control plane. That plane allows 15 calls per second per
 * Region and account for all its APIs together (create, update, get, list, delete), shared with
 * every other caller in the account and with deploys, and cannot be raised ("Control plane API
 * requests", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). So every
 * call takes a token from one bucket per function first (`limiter`'s TokenBucket), well under the
 * quota, and the SDK client retries nothing by itself: this adapter decides what is retried.
 */
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingRequest,
  DeleteEventSourceMappingCommand,
  type DeleteEventSourceMappingRequest,
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  type GetEventSourceMappingRequest,
  LambdaClient,
  type LambdaClientConfig,
  ListEventSourceMappingsCommand,
  type ListEventSourceMappingsRequest,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingRequest,
} from '@aws-sdk/client-lambda';
import { TokenBucket } from 'limiter';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ControlPlaneBusyError,
  type ControlPlaneRefusal,
  type EventSourceMappings,
  type MappingState,
  type MappingStatus,
} from '../ports/queues';

/** FIFO batches hold at most 10 records; a batch is delivered in order and stops at the first failure. */
export const DELIVERY_BATCH_SIZE = 10;

/**
 * The most concurrent invocations one mapping may run (`ScalingConfig.MaximumConcurrency`): 2, the
 * least Lambda accepts. A destination's queue has one message group, which Lambda hands out one
 * batch at a time, so this never slows a destination; it caps what a mapping can take from the
 * account's concurrency should that ever change.
 */
export const DELIVERY_MAX_CONCURRENCY = 2;

/** ListEventSourceMappings returns at most 100 mappings a page, whatever MaxItems asks for. */
const LIST_PAGE_SIZE = 100;
/** Attempts of a create or delete refused for now (about 7 s of backoff in all), inside a registration's 30 s. */
const WAITING_ATTEMPTS = 4;
const WAITING_BACKOFF_CAP_MS = 4000;

/**
 * The five Lambda API calls the adapter makes, in the SDK's shapes: the SDK client on AWS
 * (`sdkMappingApi`), the local stand-in of the control plane in local mode.
 */
export interface LambdaMappingApi {
  createEventSourceMapping(input: CreateEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
  getEventSourceMapping(input: GetEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
  listEventSourceMappings(
    input: ListEventSourceMappingsRequest,
  ): Promise<{ EventSourceMappings?: EventSourceMappingConfiguration[]; NextMarker?: string }>;
  updateEventSourceMapping(input: UpdateEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
  deleteEventSourceMapping(input: DeleteEventSourceMappingRequest): Promise<EventSourceMappingConfiguration>;
}

/** The API over an SDK client; only the commands named here end up in the bundle. */
export const sdkMappingApi = (client: LambdaClient): LambdaMappingApi => ({
  createEventSourceMapping: (input) => client.send(new CreateEventSourceMappingCommand(input)),
  getEventSourceMapping: (input) => client.send(new GetEventSourceMappingCommand(input)),
  listEventSourceMappings: (input) => client.send(new ListEventSourceMappingsCommand(input)),
  updateEventSourceMapping: (input) => client.send(new UpdateEventSourceMappingCommand(input)),
  deleteEventSourceMapping: (input) => client.send(new DeleteEventSourceMappingCommand(input)),
});

/** The errors by which Lambda refuses a call for now, by name (the SDK's classes and the local stand-in's share them). */
const REFUSALS: Readonly<Record<string, ControlPlaneRefusal>> = {
  TooManyRequestsException: 'throttled',
  ResourceInUseException: 'in_use',
  ResourceConflictException: 'conflict',
};

const refusalOf = (error: unknown): ControlPlaneRefusal | undefined =>
  error instanceof Error ? REFUSALS[error.name] : undefined;
const isNotFound = (error: unknown) => error instanceof Error && error.name === 'ResourceNotFoundException';
/** A failure of Lambda's side (5xx), worth another attempt. */
const isServerFault = (error: unknown) => (error as { $fault?: string } | undefined)?.$fault === 'server';

const MAPPING_STATES: readonly string[] = [
  'Creating',
  'Enabling',
  'Enabled',
  'Disabling',
  'Disabled',
  'Updating',
  'Deleting',
];

const toStatus = (mapping: EventSourceMappingConfiguration): MappingStatus => {
  if (!mapping.UUID || !mapping.EventSourceArn || !MAPPING_STATES.includes(mapping.State ?? '')) {
    throw new Error(
      `Lambda described an event-source mapping without its UUID, queue or a known state (${mapping.State})`,
    );
  }
  return { mappingId: mapping.UUID, queueArn: mapping.EventSourceArn, state: mapping.State as MappingState };
};

/** The token bucket every call takes its token from (`limiter`'s TokenBucket; tests give their own). */
export type ControlPlaneBucket = Pick<TokenBucket, 'tryRemoveTokens' | 'removeTokens' | 'getWaitTime'>;

export interface LambdaEventSourceMappingsOptions {
  /** The delivery function; needed to create and to list mappings. */
  readonly deliveryFunctionArn?: string;
  /**
   * Calls per second this adapter makes at most: its function's share of the account's 15 (the
   * bucket holds one second's worth, so no second ever sees more than twice this).
   */
  readonly callsPerSecond: number;
  /** @default a TokenBucket of `callsPerSecond`, holding one second's worth, starting empty */
  readonly bucket?: ControlPlaneBucket;
  /** Waits between attempts of a create or delete (injected so tests need not wait). */
  readonly wait?: (ms: number) => Promise<unknown>;
  readonly random?: () => number;
}

/**
 * The mappings of destination queues, over the control plane's API. Disabling one is how a
 * destination is paused; the state lives on the mapping, never in the CDK template.
 *
 * How each call takes its token: `describe` and `setEnabled` only when the bucket has one now (they
 * serve the reconciler, which decides how long its turn may wait: `ControlPlaneBusyError` with
 * `retryAfterMs` otherwise);
 * `list`, `create` and `remove` wait for theirs (a listing must finish its pages; a registration
 * has a caller waiting). Refusals (`TooManyRequestsException`, `ResourceInUseException`,
 * `ResourceConflictException`) of `describe`, `setEnabled` and `list` are thrown as
 * `ControlPlaneBusyError` for the caller to retry later; `create` and `remove` back off and retry
 * them a few times.
 */
export class LambdaEventSourceMappings implements EventSourceMappings {
  private readonly bucket: ControlPlaneBucket;
  private readonly wait: (ms: number) => Promise<unknown>;
  private readonly random: () => number;

  constructor(
    private readonly api: LambdaMappingApi,
    private readonly options: LambdaEventSourceMappingsOptions,
  ) {
    const { callsPerSecond } = options;
    // It starts empty: a function that restarts does not burst on top of its last second.
    this.bucket =
      options.bucket ??
      new TokenBucket({ bucketSize: callsPerSecond, tokensPerInterval: callsPerSecond, interval: 'second' });
    this.wait = options.wait ?? sleep;
    this.random = options.random ?? Math.random;
  }

  async create(queueArn: string): Promise<string> {
    const functionArn = this.requireFunctionArn('create');
    try {
      const created = await this.waitingCall(() =>
        this.api.createEventSourceMapping({
          FunctionName: functionArn,
          EventSourceArn: queueArn,
          BatchSize: DELIVERY_BATCH_SIZE,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: DELIVERY_MAX_CONCURRENCY },
          Enabled: true,
        }),
      );
      if (!created.UUID) throw new Error('Lambda created an event-source mapping without a UUID');
      return created.UUID;
    } catch (error) {
      // A retried registration (or a retried create whose answer was lost) finds the mapping the first attempt created.
      if (refusalOf(error) !== 'conflict') throw error;
      await this.bucket.removeTokens(1);
      const existing = await this.api.listEventSourceMappings({ EventSourceArn: queueArn, FunctionName: functionArn });
      const uuid = existing.EventSourceMappings?.[0]?.UUID;
      if (!uuid) throw error;
      return uuid;
    }
  }

  async describe(mappingId: string): Promise<MappingStatus | undefined> {
    try {
      return toStatus(await this.callNow(() => this.api.getEventSourceMapping({ UUID: mappingId })));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(): Promise<MappingStatus[]> {
    const functionArn = this.requireFunctionArn('list');
    const mappings: MappingStatus[] = [];
    let marker: string | undefined;
    do {
      await this.bucket.removeTokens(1);
      const page = await this.refusedAsBusy(() =>
        this.api.listEventSourceMappings({ FunctionName: functionArn, MaxItems: LIST_PAGE_SIZE, Marker: marker }),
      );
      mappings.push(...(page.EventSourceMappings ?? []).map(toStatus));
      marker = page.NextMarker;
    } while (marker);
    return mappings;
  }

  async setEnabled(mappingId: string, enabled: boolean): Promise<void> {
    await this.callNow(() => this.api.updateEventSourceMapping({ UUID: mappingId, Enabled: enabled }));
  }

  async remove(mappingId: string): Promise<void> {
    try {
      await this.waitingCall(() => this.api.deleteEventSourceMapping({ UUID: mappingId }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private requireFunctionArn(verb: string): string {
    if (!this.options.deliveryFunctionArn)
      throw new Error(`LambdaEventSourceMappings: to ${verb} mappings it needs the delivery function ARN`);
    return this.options.deliveryFunctionArn;
  }

  /** One call if the bucket has a token now; `ControlPlaneBusyError` when it has none or the call is refused. */
  private async callNow<T>(call: () => Promise<T>): Promise<T> {
    if (!this.bucket.tryRemoveTokens(1)) {
      throw new ControlPlaneBusyError(
        'throttled',
        'this function used its share of the control plane for this second',
        this.bucket.getWaitTime(1),
      );
    }
    return this.refusedAsBusy(call);
  }

  private async refusedAsBusy<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) throw new ControlPlaneBusyError(refusal, (error as Error).message);
      throw error;
    }
  }

  /**
   * A call that waits its turn in the bucket, retried with jittered exponential backoff while the
   * control plane refuses it as throttled or busy, or fails on its side; a conflict is thrown.
   */
  private async waitingCall<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.bucket.removeTokens(1);
      try {
        return await call();
      } catch (error) {
        const refusal = refusalOf(error);
        const retryable = refusal === 'throttled' || refusal === 'in_use' || isServerFault(error);
        if (!retryable || attempt === WAITING_ATTEMPTS) throw error;
        await this.wait(this.random() * Math.min(WAITING_BACKOFF_CAP_MS, 500 * 2 ** attempt));
      }
    }
  }
}

/**
 * Mappings over an SDK client of their own, which retries nothing by itself (`maxAttempts: 1`):
 * the adapter retries what is worth retrying, and the reconciler the rest on its next pass.
 */
export const createLambdaEventSourceMappings = (
  options: Omit<LambdaEventSourceMappingsOptions, 'wait' | 'random'>,
  clientConfig: LambdaClientConfig = {},
): LambdaEventSourceMappings =>
  new LambdaEventSourceMappings(sdkMappingApi(new LambdaClient({ ...clientConfig, maxAttempts: 1 })), options);
