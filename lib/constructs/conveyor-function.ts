import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/runtime/env';
import { FUNCTION_BUNDLING } from '../bundling';
import { LogEncryption } from './log-encryption';
import type { FunctionPlacement } from './static-egress';
import { resolve } from 'node:path';

export interface ConveyorFunctionProps {
  /** The folder under `lambdas/` whose `handler.ts` is the entry point. */
  readonly lambda: string;
  readonly description: string;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** How long the function's logs are kept. @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** A physical name, only where IAM must name the function before it exists. @default generated */
  readonly functionName?: string;
  /** @default no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** A VPC to run in (`StaticEgress.placement()`). @default none: Lambda's own network */
  readonly placement?: FunctionPlacement;
  /**
   * The application log level Lambda passes on (its Advanced Logging Controls, which Powertools
   * follows too: `AWS_LAMBDA_LOG_LEVEL` overrides `POWERTOOLS_LOG_LEVEL`). DEBUG adds a line per
   * accepted message and per delivery. @default ApplicationLogLevel.INFO
   */
  readonly applicationLogLevel?: ApplicationLogLevel;
}

/** The Lambda runtime every Conveyor function runs on; the local runtime uses the same major. */
export const CONVEYOR_RUNTIME = Runtime.NODEJS_24_X;

/**
 * A Conveyor function with the project's defaults in one place: Node.js 24 on arm64, JSON logs with
 * a retention (the application's at INFO, the platform's at WARN), source maps, and the AWS SDK bundled (minified ESM) rather than taken from the
 * runtime, so what runs is what was tested.
 */
export class ConveyorFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ConveyorFunctionProps) {
    if (!/^[a-z-]+$/.test(props.lambda))
      throw new Error(`ConveyorFunction: lambda must be a folder name under lambdas/, got ${props.lambda}`);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      encryptionKey: LogEncryption.keyOf(scope),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      // CDK commands and the tests run from the project root, where cdk.json is.
      entry: resolve('lambdas', props.lambda, 'handler.ts'),
      handler: 'handler',
      description: props.description,
      functionName: props.functionName,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...props.placement,
      runtime: CONVEYOR_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: props.applicationLogLevel ?? ApplicationLogLevel.INFO,
      // The platform's START/END/REPORT lines (INFO) cost ~0.5 KB an invocation and say nothing
      // the metrics don't; its warnings and errors (timeouts, crashes) stay.
      systemLogLevelV2: SystemLogLevel.WARN,
      // The deployment dimensions the metrics, so the dashboard shows this deployment only.
      environment: {
        [ENV.NODE_OPTIONS]: '--enable-source-maps',
        [ENV.CONVEYOR_DEPLOYMENT]: Stack.of(scope).stackName,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: FUNCTION_BUNDLING.target,
        minify: FUNCTION_BUNDLING.minify,
        sourceMap: true,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        externalModules: [],
        banner: FUNCTION_BUNDLING.banner,
      },
    });
  }
}
