import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ConveyorFunction } from './conveyor-function';

export interface DeliveryProps {
  /**
   * How long one batch (up to 10 records, each within its destination's timeout of at most 30 s)
   * may take. @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
  /**
   * How long after receipt an unrecorded message may still be committed by the ingest function;
   * must exceed the ingest function's timeout. @default Duration.seconds(30)
   */
  readonly commitGrace?: Duration;
}

/**
 * The delivery function, fed by one event-source mapping per destination queue. The mappings are
 * created at run time by the admin function, which this construct lets manage exactly the
 * mappings that point at this function.
 */
export class Delivery extends Construct {
  public readonly function: ConveyorFunction;

  constructor(scope: Construct, id: string, props: DeliveryProps = {}) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(2);
    const commitGrace = props.commitGrace ?? Duration.seconds(30);
    if (timeout.toSeconds() > 900) throw new Error('Delivery: timeout must be at most 15 minutes (the Lambda limit)');
    this.function = new ConveyorFunction(this, 'Function', {
      lambda: 'delivery',
      description: 'Conveyor: delivers each destination queue in order to its endpoint',
      timeout,
      memorySize: 512,
      environment: { COMMIT_GRACE_MS: String(commitGrace.toMilliseconds()) },
    });
  }

  /** Lets a function create, enable, disable and delete the mappings to this delivery function. */
  grantManageMappings(fn: LambdaFunction & IGrantable): void {
    fn.addEnvironment('DELIVERY_FUNCTION_ARN', this.function.functionArn);
    const onlyThisFunction = { StringEquals: { 'lambda:FunctionArn': this.function.functionArn } };
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:CreateEventSourceMapping'],
        resources: ['*'],
        conditions: onlyThisFunction,
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:UpdateEventSourceMapping', 'lambda:DeleteEventSourceMapping', 'lambda:GetEventSourceMapping'],
        resources: [Stack.of(this).formatArn({ service: 'lambda', resource: 'event-source-mapping', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        conditions: onlyThisFunction,
      }),
    );
    // ListEventSourceMappings supports no resource-level permissions; it only reads mapping ids.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:ListEventSourceMappings'], resources: ['*'] }));
  }
}
