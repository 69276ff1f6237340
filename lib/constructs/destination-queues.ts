import { Duration, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/runtime/env';

export interface DestinationQueuesProps {
  /** The customer-managed key the queues are encrypted with. */
  readonly key: IKey;
  /** The delivery function's timeout: queue visibility is six times it. */
  readonly deliveryTimeout: Duration;
}

/**
 * The FIFO queues of destinations. They are not in the template: the admin function creates one
 * per destination at run time, named with this deployment's prefix, so a deploy never touches a
 * queue (or un-pauses its mapping). This construct holds their settings and scopes IAM to them.
 */
export class DestinationQueues extends Construct {
  /** Queue names start with this; IAM is scoped to it. */
  public readonly namePrefix: string;
  public readonly visibilityTimeout: Duration;
  private readonly key: IKey;
  private readonly arnPattern: string;

  constructor(scope: Construct, id: string, props: DestinationQueuesProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    // Queue names are at most 80 characters: the prefix, a 30-character destination id and ".fifo".
    this.namePrefix = `${stackName
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)}-`;
    this.visibilityTimeout = Duration.seconds(props.deliveryTimeout.toSeconds() * 6);
    this.key = props.key;
    this.arnPattern = Stack.of(this).formatArn({ service: 'sqs', resource: `${this.namePrefix}*` });
  }

  /** Queue settings every function that touches the queues reads. */
  private configure(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.QUEUE_NAME_PREFIX, this.namePrefix);
    fn.addEnvironment(ENV.QUEUE_VISIBILITY_TIMEOUT_SECONDS, String(this.visibilityTimeout.toSeconds()));
    fn.addEnvironment(ENV.QUEUE_KMS_KEY_ID, this.key.keyArn);
  }

  /** Create, configure, inspect and delete destination queues (the admin function). */
  grantProvision(fn: LambdaFunction & IGrantable): void {
    this.configure(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'sqs:CreateQueue',
          'sqs:DeleteQueue',
          'sqs:GetQueueAttributes',
          'sqs:SetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:TagQueue',
          'sqs:ListQueueTags',
        ],
        resources: [this.arnPattern],
      }),
    );
  }

  /** Send to destination queues (the ingest function). */
  grantSend(fn: LambdaFunction & IGrantable): void {
    this.configure(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resources: [this.arnPattern] }),
    );
    this.key.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /**
   * List the destination queues (the prober, which watches the age of every queue). ListQueues
   * supports no resource-level permissions, so its resource is `*`; it returns queue URLs only, and
   * the caller lists by this deployment's name prefix. Reading a queue stays scoped to the prefix.
   */
  grantList(fn: LambdaFunction & IGrantable): void {
    this.configure(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:ListQueues'], resources: ['*'] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [this.arnPattern] }));
  }

  /** Receive from and delete in destination queues (the delivery function, through its mappings). */
  grantConsume(fn: LambdaFunction & IGrantable): void {
    this.configure(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        resources: [this.arnPattern],
      }),
    );
    this.key.grantDecrypt(fn);
  }
}
