import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApplicationLogLevel } from 'aws-cdk-lib/aws-lambda';
import { ConveyorStack } from '../../lib/conveyor-stack';
import { ConveyorFunction } from '../../lib/constructs/conveyor-function';

// Bundling off: these tests assert the template, not the function code.
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe('ConveyorFunction logging', () => {
  it('logs JSON, the application at INFO and the platform at WARN only, in every function of the stack', () => {
    const stack = new ConveyorStack(newApp(), 'ConveyorLogging', { alertFromAddress: 'alerts@example.org' });
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));

    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
      });
    }
  });

  it('takes another application log level, for a deployment that wants a line per delivery', () => {
    const stack = new Stack(newApp(), 'Debugging');
    new ConveyorFunction(stack, 'Fn', {
      lambda: 'delivery',
      description: 'Conveyor: test',
      applicationLogLevel: ApplicationLogLevel.DEBUG,
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'WARN' },
    });
  });
});
