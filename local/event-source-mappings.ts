/**
 * The event-source mappings in local mode: the same adapter as on AWS (`LambdaEventSourceMappings`:
 * its token bucket, its retries, its reading of Lambda's errors) over a local stand-in of Lambda's
 * control plane (`LocalLambdaControlPlane`), whose enabled mappings run pollers that call the
 * delivery handler (`MappingPollers`). One adapter serves every function of the local runtime,
 * as the account's one quota serves them all on AWS.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaEventSourceMappings } from '../lambdas/shared/adapters/lambda-event-source-mappings';
import type { EventSourceMappings, MappingStatus } from '../lambdas/shared/ports/queues';
import { RECONCILER_CALLS_PER_SECOND } from '../lambdas/shared/wiring/pause-ports';
import {
  LOCAL_DELIVERY_FUNCTION_ARN,
  type LocalMappingFidelity,
  LocalLambdaControlPlane,
} from './lambda-control-plane';
import { type DeliveryHandler, MappingPollers } from './mapping-pollers';

export type { LocalMappingFidelity } from './lambda-control-plane';

export class LocalEventSourceMappings implements EventSourceMappings {
  /** The stand-in of Lambda's control plane (tests read its states and call counts). */
  readonly controlPlane: LocalLambdaControlPlane;
  private readonly pollers: MappingPollers;
  private readonly adapter: LambdaEventSourceMappings;

  constructor(
    /** The client the pollers receive and delete with (on AWS, the mapping's own SQS requests). */
    readonly sqs: SQSClient,
    deliver: DeliveryHandler,
    stateFile: string,
    /** The delivery function's timeout: how long one batch may take. */
    functionTimeoutMs: number,
    /** `aws`: delayed, throttled and refused changes, as on AWS. @default { fidelity: 'default', random: Math.random } */
    fidelity: LocalMappingFidelity = { fidelity: 'default', random: Math.random },
  ) {
    this.pollers = new MappingPollers(sqs, deliver, functionTimeoutMs);
    this.controlPlane = new LocalLambdaControlPlane(stateFile, this.pollers, fidelity);
    this.adapter = new LambdaEventSourceMappings(this.controlPlane, {
      deliveryFunctionArn: LOCAL_DELIVERY_FUNCTION_ARN,
      callsPerSecond: RECONCILER_CALLS_PER_SECOND,
      random: fidelity.random,
    });
  }

  /** Invocations of the delivery handler and the time they took (benchmarks turn these into Lambda cost). */
  get invocations(): { readonly count: number; readonly totalMs: number } {
    return this.pollers.invocations;
  }

  /** Starts a poller for every enabled mapping (after a restart). */
  resume(): Promise<void> {
    return this.controlPlane.resume();
  }

  create(queueArn: string): Promise<string> {
    return this.adapter.create(queueArn);
  }

  describe(mappingId: string): Promise<MappingStatus | undefined> {
    return this.adapter.describe(mappingId);
  }

  list(): Promise<MappingStatus[]> {
    return this.adapter.list();
  }

  setEnabled(mappingId: string, enabled: boolean): Promise<void> {
    return this.adapter.setEnabled(mappingId, enabled);
  }

  remove(mappingId: string): Promise<void> {
    return this.adapter.remove(mappingId);
  }

  /** True when the mapping is running its poller (`Enabled`, or still `Disabling`). */
  isEnabled(mappingId: string): boolean {
    return this.pollers.isPolling(mappingId);
  }

  async stopAll(): Promise<void> {
    await this.controlPlane.stop();
  }
}
