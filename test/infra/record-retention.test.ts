import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/shared/runtime/env';
import { ConveyorStack, type ConveyorStackProps } from '../../lib/conveyor-stack';

// Bundling off: these tests assert the template, not the function code.
const synthesize = (props: Partial<ConveyorStackProps> = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ConveyorStack(app, 'ConveyorRetention', { alertFromAddress: 'alerts@example.org', ...props });
  return Template.fromStack(stack);
};

const retentionOfEveryFunction = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function')).map(
    (fn) => fn.Properties.Environment.Variables[ENV.RECORD_RETENTION_DAYS],
  );

describe('record retention (-c recordRetentionDays)', () => {
  it('keeps records 90 days by default and tells every function, on a table whose TTL attribute is expiresAt', () => {
    const template = synthesize();

    expect(retentionOfEveryFunction(template)).toEqual(['90', '90', '90', '90']);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('takes a longer retention, and by default outlasts a long payload retention by the 14 days of a queue', () => {
    expect(new Set(retentionOfEveryFunction(synthesize({ recordRetentionDays: 400 })))).toEqual(new Set(['400']));
    expect(new Set(retentionOfEveryFunction(synthesize({ payloadRetentionDays: 100 })))).toEqual(new Set(['114']));
  });

  it('refuses a retention shorter than 14 days + the payload retention, or not a whole number of days, saying why', () => {
    expect(() => synthesize({ recordRetentionDays: 20 })).toThrow(
      'recordRetentionDays must be a whole number of days of at least 21 (14 days of queue retention + payloadRetentionDays 7), got 20',
    );
    expect(() => synthesize({ recordRetentionDays: 30, payloadRetentionDays: 30 })).toThrow('at least 44');
    expect(() => synthesize({ recordRetentionDays: 90.5 })).toThrow('whole number of days');
    expect(() => synthesize({ recordRetentionDays: 21 })).not.toThrow();
  });
});
