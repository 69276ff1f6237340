/** The CDK app: one Conveyor stack, checked by cdk-nag's AwsSolutions and HIPAA Security rules on every synth. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { ConveyorStack } from '../lib/conveyor-stack';

const app = new App();
new ConveyorStack(app, app.node.tryGetContext('stackName') ?? 'Conveyor', {
  allowPrivateDestinations: app.node.tryGetContext('allowPrivateDestinations') === 'true',
  // Must be verified in SES before alerts can be sent: `cdk deploy -c alertFromAddress=alerts@your.org`.
  alertFromAddress: app.node.tryGetContext('alertFromAddress') ?? 'conveyor-alerts@example.com',
  // Operators who should be paged: `cdk deploy -c alarmEmail=oncall@your.org`.
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  // Concurrency kept for integrators whatever deliveries do: `cdk deploy -c ingestReservedConcurrency=50`.
  ingestReservedConcurrency:
    app.node.tryGetContext('ingestReservedConcurrency') === undefined
      ? undefined
      : Number(app.node.tryGetContext('ingestReservedConcurrency')),
  // Days delivered payloads are kept for redelivery (0: none): `cdk deploy -c payloadRetentionDays=30`.
  payloadRetentionDays:
    app.node.tryGetContext('payloadRetentionDays') === undefined
      ? undefined
      : Number(app.node.tryGetContext('payloadRetentionDays')),
  // Days a message's records are kept (≥ 14 + payloadRetentionDays): `cdk deploy -c recordRetentionDays=180`.
  recordRetentionDays:
    app.node.tryGetContext('recordRetentionDays') === undefined
      ? undefined
      : Number(app.node.tryGetContext('recordRetentionDays')),
  // Deliveries and probes from two fixed addresses receivers can allowlist: `cdk deploy -c staticEgress=true`.
  staticEgress: app.node.tryGetContext('staticEgress') === 'true',
  // Destinations must echo a challenge before anything is delivered to them: `cdk deploy -c verifyDestinations=true`.
  verifyDestinations: app.node.tryGetContext('verifyDestinations') === 'true',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
