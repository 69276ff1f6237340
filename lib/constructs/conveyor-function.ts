import { execFileSync } from 'node:child_process';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
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
 * The function's package: `lambdas/<lambda>/handler.ts` bundled by `bundleFunction` (lib/bundling.ts:
 * split ESM with source maps beside it), on this machine. It runs in a child process because CDK's
 * local bundling is synchronous and esbuild's plugins are not; the asset's hash is the bundle's.
 */
const functionCode = (lambda: string) =>
  // The function's own folder as the asset's source: CDK reuses a staged asset by its source and
  // bundling options, so functions must not share one (their bundles include lambdas/shared too).
  Code.fromAsset(resolve('lambdas', lambda), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: bundling is local (esbuild is a devDependency) and throws rather than fall back.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      local: {
        tryBundle(outputDir) {
          execFileSync(process.execPath, ['--import', 'tsx', resolve('lib', 'bundle-function.ts'), lambda, outputDir], {
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          return true;
        },
      },
    },
  });

/**
 * A Conveyor function with the project's defaults in one place: Node.js 24 on arm64, JSON logs with
 * a retention (the application's at INFO, the platform's at WARN), and the AWS SDK bundled
 * (minified ESM) rather than taken from the runtime, so what runs is what was tested. Source maps travel in the package but are not loaded at run time
 * (`--enable-source-maps` costs a cold start about 100 ms): `npm run symbolicate` reads them.
 */
export class ConveyorFunction extends LambdaFunction {
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
      code: functionCode(props.lambda),
      handler: FUNCTION_BUNDLING.handler,
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
        [ENV.CONVEYOR_DEPLOYMENT]: Stack.of(scope).stackName,
        ...props.environment,
      },
    });
  }
}
