import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ConveyorFunction } from './conveyor-function';
import type { FunctionPlacement } from './static-egress';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lambdas/shared/runtime/function-timeouts';

export interface ProberProps {
  /** A VPC to probe from (`StaticEgress.placement()`). @default none: Lambda's own network */
  readonly placement?: FunctionPlacement;
}

/**
 * The prober: every minute it retries the heads of paused destinations on their backoff ladder,
 * sends alerts left in the outbox and reconciles the event-source mappings (the only function
 * that enables or disables them, through a token bucket of 5 calls per second). Within a run it
 * passes every few seconds, so the ladder's 10-second rungs are kept. One run at a time — two would
 * only compete for the same heads, and the reconciler's bucket assumes it is the only one: each run
 * takes a lease in the table (`lambdas/prober/exclusive-run.ts`), not a reserved concurrency of 1,
 * which a new account (a concurrency quota of 10, 10 kept unreserved) refuses.
 */
export class Prober extends Construct {
  public readonly function: ConveyorFunction;

  constructor(scope: Construct, id: string, props: ProberProps = {}) {
    super(scope, id);
    this.function = new ConveyorFunction(this, 'Function', {
      lambda: 'prober',
      description: 'Conveyor: retries the heads of paused destinations, reconciles mappings and sends pending alerts',
      // Passes for about a minute, then leaves room for a last probe of up to 30 s.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.prober),
      placement: props.placement,
    });
    new Rule(this, 'EveryMinute', {
      description: 'Conveyor: runs the prober',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaTarget(this.function, { retryAttempts: 0 })],
    });
  }
}
