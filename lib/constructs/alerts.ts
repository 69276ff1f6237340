import { Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/runtime/env';

export interface AlertsProps {
  /** The SES-verified address (or an address of a verified domain) alerts are sent from. */
  readonly fromAddress: string;
}

/** Pause and recovery emails through SES, sent only from the configured identity. */
export class Alerts extends Construct {
  private readonly fromAddress: string;
  private readonly identityArns: string[];

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.fromAddress))
      throw new Error(`Alerts: fromAddress must be an email address, got ${props.fromAddress}`);
    this.fromAddress = props.fromAddress;
    const domain = props.fromAddress.split('@')[1]!;
    const stack = Stack.of(this);
    this.identityArns = [props.fromAddress, domain].map((identity) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
    );
  }

  grantSend(fn: LambdaFunction & IGrantable): void {
    fn.addEnvironment(ENV.ALERT_FROM_ADDRESS, this.fromAddress);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: this.identityArns,
        conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
      }),
    );
  }
}
