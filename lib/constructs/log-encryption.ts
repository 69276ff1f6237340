import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The customer-managed key every Conveyor log group is encrypted with, one per stack. Logs never
 * carry payloads, but they name organizations and destinations: encrypted at rest like the rest.
 */
export class LogEncryption extends Construct {
  public readonly key: IKey;

  /** The stack's log key, created on first use. */
  static keyOf(scope: Construct): IKey {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild('LogEncryption') as LogEncryption | undefined;
    return (existing ?? new LogEncryption(stack, 'LogEncryption')).key;
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new Key(this, 'Key', {
      description: 'Conveyor: encrypts the CloudWatch log groups',
      enableKeyRotation: true,
    });
    // CloudWatch Logs uses the key on behalf of this account's log groups only.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.key = key;
  }
}
