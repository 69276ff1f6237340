import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ConveyorFunction } from './conveyor-function';
import { LogEncryption } from './log-encryption';
import type { FunctionPlacement } from './static-egress';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lambdas/shared/runtime/function-timeouts';

export interface IngestApiProps {
  /** Steady-state requests per second the API accepts before answering 429. @default 1000 */
  readonly rateLimit?: number;
  /** Burst of requests the API accepts. @default 2000 */
  readonly burstLimit?: number;
  /**
   * Concurrent executions reserved for the ingest function, so a delivery surge (one delivery
   * per destination with a backlog, at most `MaximumConcurrency` 2 each) can never take the
   * account's concurrency from integrators. Off by default: reserving needs headroom above the 10
   * unreserved executions Lambda keeps, which a new account's quota of 10 does not have (AWS Lambda
   * quotas). @default none
   */
  readonly ingestReservedConcurrency?: number;
  /**
   * A VPC for the admin function (`StaticEgress.placement()`): an operator's resume probes the
   * paused destination's receiver from it. @default none: Lambda's own network
   */
  readonly adminPlacement?: FunctionPlacement;
}

/**
 * The HTTPS API: the integrator routes on the ingest function (source API keys, checked by the
 * function) and the admin routes on the admin function behind IAM (SigV4) authorization.
 */
export class IngestApi extends Construct {
  public readonly api: HttpApi;
  public readonly ingestFunction: ConveyorFunction;
  public readonly adminFunction: ConveyorFunction;

  constructor(scope: Construct, id: string, props: IngestApiProps = {}) {
    super(scope, id);
    this.ingestFunction = new ConveyorFunction(this, 'IngestFunction', {
      lambda: 'ingest',
      description: 'Conveyor: accepts messages and answers once every destination queue has them',
      // API Gateway gives up after 30 s; the delivery side's commit grace must exceed this.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.ingest),
      // Checking a 50 MB upload streams it: measured (`npx tsx bench/upload-ingest.ts`), the process
      // peaks at ~150 MB for 1 to 50 MB of records and ~230 MB for 50 MB in one string, and takes
      // ~2.2–2.7 s of one core for 50 MB. 1024 MB (about 0.6 vCPU: Lambda's CPU grows with memory)
      // leaves 4× the memory and keeps that check near 5 s, a third of the timeout.
      memorySize: 1024,
      reservedConcurrentExecutions: props.ingestReservedConcurrency,
    });
    this.adminFunction = new ConveyorFunction(this, 'AdminFunction', {
      lambda: 'admin',
      description: 'Conveyor: organizations, sources, destinations (queues and mappings), subscriptions',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.admin),
      placement: props.adminPlacement,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: LogEncryption.keyOf(this),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const ingest = new HttpLambdaIntegration('Ingest', this.ingestFunction);
    this.api = new HttpApi(this, 'Api', {
      description: 'Conveyor integrator and admin API',
      // Unknown routes reach the ingest function, which answers them in the contract's error format.
      defaultIntegration: ingest,
    });
    for (const [method, path] of [
      [HttpMethod.POST, '/v1/messages'],
      [HttpMethod.GET, '/v1/messages/{messageId}'],
      [HttpMethod.POST, '/v1/uploads'],
    ] as const) {
      new HttpRoute(this, `${method}${path.replace(/[^A-Za-z]/g, '')}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(path, method),
        integration: ingest,
      });
    }
    new HttpRoute(this, 'Admin', {
      httpApi: this.api,
      routeKey: HttpRouteKey.with('/v1/admin/{proxy+}', HttpMethod.ANY),
      integration: new HttpLambdaIntegration('Admin', this.adminFunction),
      authorizer: new HttpIamAuthorizer(),
    });

    const stage = this.api.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // Ids, status and timings only: never headers (API keys) or bodies (PHI).
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationLatency: '$context.integrationLatency',
        latency: '$context.responseLatency',
        errorMessage: '$context.error.message',
      }),
    };
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.rateLimit ?? 1000,
      throttlingBurstLimit: props.burstLimit ?? 2000,
    };

    // `key`: the name the docs use (`ApiUrl`), not one derived from the construct path.
    new CfnOutput(this, 'ApiUrl', { key: 'ApiUrl', value: this.api.apiEndpoint, description: 'Conveyor API base URL' });
  }
}
