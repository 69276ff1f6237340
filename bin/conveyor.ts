/** The CDK app: one Conveyor stack, checked by cdk-nag's AwsSolutions rules on every synth. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConveyorStack } from '../lib/conveyor-stack';

const app = new App();
new ConveyorStack(app, app.node.tryGetContext('stackName') ?? 'Conveyor', {
  allowPrivateDestinations: app.node.tryGetContext('allowPrivateDestinations') === 'true',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
