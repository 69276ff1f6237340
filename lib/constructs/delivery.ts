import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/runtime/env';
import { ConveyorFunction } from './conveyor-function';
import type { FunctionPlacement } from './static-egress';

export interface DeliveryProps {
  /**
   * How long one batch (up to 10 records, each within its destination's timeout of at most 30 s,
   * longer for a large body: `attemptTimeoutMs`, at worst 79 s for a 50 MB upload) may take. A
   * record is started only with its attempt's budget plus 5 s left, so 2 minutes cover the worst
   * single attempt with room for reading its payload. @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
  /**
   * How long after receipt an unrecorded message may still be committed by the ingest function;
   * must exceed the ingest function's timeout. @default Duration.seconds(30)
   */
  readonly commitGrace?: Duration;
  /** A VPC to deliver from (`StaticEgress.placement()`). @default none: Lambda's own network */
  readonly placement?: FunctionPlacement;
}

/**
 * The delivery function, fed by one event-source mapping per destination queue. The mappings are
 * created at run time by the admin function and enabled or disabled by the prober's reconciler,
 * which this construct lets manage exactly the mappings that point at this function. The
 * delivery function itself never calls Lambda's control plane.
 */
export class Delivery extends Construct {
  public readonly function: ConveyorFunction;
  /** The delivery function's ARN, known without a reference to the function. */
  public readonly functionArnForConditions: string;

  constructor(scope: Construct, id: string, props: DeliveryProps = {}) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(2);
    const commitGrace = props.commitGrace ?? Duration.seconds(30);
    if (timeout.toSeconds() > 900) throw new Error('Delivery: timeout must be at most 15 minutes (the Lambda limit)');
    // A name derived from the stack (not a fixed one), so that IAM conditions and the other
    // functions' environments can name this function's ARN without referring to the function.
    const stack = Stack.of(this);
    const functionName = `${stack.stackName.slice(0, 50)}-delivery`;
    this.functionArnForConditions = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function = new ConveyorFunction(this, 'Function', {
      functionName,
      lambda: 'delivery',
      description: 'Conveyor: delivers each destination queue in order to its endpoint',
      timeout,
      memorySize: 512,
      environment: { [ENV.COMMIT_GRACE_MS]: String(commitGrace.toMilliseconds()) },
      placement: props.placement,
    });
  }

  /**
   * Lets the admin function create (and delete) mappings to this delivery function, and no other
   * mappings: registration creates a destination's mapping (listing to find one a retried create
   * made); a destination's deletion deletes it and reads it until it is gone. It changes no
   * mapping's state: the prober's reconciler does.
   */
  grantCreateMappings(fn: LambdaFunction & IGrantable): void {
    fn.addEnvironment(ENV.DELIVERY_FUNCTION_ARN, this.functionArnForConditions);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:CreateEventSourceMapping'],
        resources: ['*'],
        conditions: this.onlyThisFunction(),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        // Get: a deletion answers only once Lambda no longer describes the mapping.
        actions: ['lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
        resources: [this.mappingArns()],
        conditions: this.onlyThisFunction(),
      }),
    );
    this.grantListMappings(fn);
  }

  /**
   * Lets the prober, the reconciler and the only function that changes a mapping's state, read
   * every mapping to this delivery function and enable or disable it, and no other mappings.
   */
  grantReconcileMappings(fn: LambdaFunction & IGrantable): void {
    fn.addEnvironment(ENV.DELIVERY_FUNCTION_ARN, this.functionArnForConditions);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
        resources: [this.mappingArns()],
        conditions: this.onlyThisFunction(),
      }),
    );
    this.grantListMappings(fn);
  }

  // ListEventSourceMappings supports no resource-level permissions; it only reads mappings.
  private grantListMappings(fn: LambdaFunction & IGrantable): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:ListEventSourceMappings'], resources: ['*'] }));
  }

  private onlyThisFunction() {
    return { StringEquals: { 'lambda:FunctionArn': this.functionArnForConditions } };
  }

  private mappingArns(): string {
    return Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'event-source-mapping',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}
