import { type CfnElement, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { Alerts } from './constructs/alerts';
import { ApiReference } from './constructs/api-reference';
import { Delivery } from './constructs/delivery';
import { DestinationQueues } from './constructs/destination-queues';
import { IngestApi } from './constructs/ingest-api';
import { Monitoring } from './constructs/monitoring';
import { PayloadBucket } from './constructs/payload-bucket';
import { Prober } from './constructs/prober';
import { StaticEgress } from './constructs/static-egress';
import { Store } from './constructs/store';
import { ENV } from '../lambdas/shared/runtime/env';
import { FUNCTION_TIMEOUT_SECONDS } from '../lambdas/shared/runtime/function-timeouts';

export interface ConveyorStackProps extends StackProps {
  /**
   * Allow destinations on private and loopback addresses (and http for them), for deployments
   * whose receivers live inside a private network. Link-local addresses are refused regardless.
   * @default false
   */
  readonly allowPrivateDestinations?: boolean;
  /** The SES-verified address alert emails come from. */
  readonly alertFromAddress: string;
  /** An address subscribed to the alarm topic (it must confirm the subscription). @default none */
  readonly alarmEmail?: string;
  /** Concurrent executions reserved for ingest, kept from any delivery surge (`IngestApiProps`). @default none */
  readonly ingestReservedConcurrency?: number;
  /** Days delivered payloads are kept for redelivery, from their latest delivery; 0 keeps none. @default 7 */
  readonly payloadRetentionDays?: number;
  /**
   * Days a message's records (its item once delivered, arrival-log entries, failed attempts) are
   * kept; at least 14 + `payloadRetentionDays` (`Store`). @default 90
   */
  readonly recordRetentionDays?: number;
  /**
   * Run the functions that connect to receivers (delivery, the prober and admin) in a VPC whose NAT
   * gateways have Elastic IPs, so a receiver's firewall can allowlist two fixed source addresses
   * (`StaticEgress`; the outputs `EgressIp1`, `EgressIp2`). Costs NAT gateway and endpoint hours.
   * @default false
   */
  readonly staticEgress?: boolean;
  /**
   * New destinations require endpoint verification (`unverified` until their endpoint echoes a
   * challenge) unless created with `verify: false` (`VERIFY_DESTINATIONS` of the admin function).
   * @default false
   */
  readonly verifyDestinations?: boolean;
}

/** Conveyor in one stack: wires the constructs together; resource details live in the constructs. */
export class ConveyorStack extends Stack {
  constructor(scope: Construct, id: string, props: ConveyorStackProps) {
    super(scope, id, props);
    const dataKey = new Key(this, 'DataKey', {
      description: 'Conveyor: encrypts the table, the destination queues and the payload bucket (PHI at rest)',
      enableKeyRotation: true,
    });
    const store = new Store(this, 'Store', {
      key: dataKey,
      recordRetentionDays: props.recordRetentionDays,
      payloadRetentionDays: props.payloadRetentionDays,
    });
    // Everything that connects to receivers sends from the static addresses: delivery, the prober
    // (probes) and admin (an operator's resume probes at once); ingest never does and stays out.
    const egress = props.staticEgress ? new StaticEgress(this, 'StaticEgress') : undefined;
    const delivery = new Delivery(this, 'Delivery', {
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.delivery),
      commitGrace: Duration.seconds(30),
      placement: egress?.placement(),
    });
    const queues = new DestinationQueues(this, 'DestinationQueues', {
      key: dataKey,
      deliveryTimeout: delivery.function.timeout!,
    });
    const api = new IngestApi(this, 'IngestApi', {
      ingestReservedConcurrency: props.ingestReservedConcurrency,
      adminPlacement: egress?.placement(),
    });
    // The contract integrators build against, published with the stack (an output names it).
    new ApiReference(this, 'ApiReference', { documentPath: join(import.meta.dirname, '..', 'docs', 'openapi.yaml') });
    const prober = new Prober(this, 'Prober', { placement: egress?.placement() });
    const alerts = new Alerts(this, 'Alerts', { fromAddress: props.alertFromAddress });
    const payloads = new PayloadBucket(this, 'Payloads', { key: dataKey, retentionDays: props.payloadRetentionDays });
    // Ingest stores large payloads; everything that delivers reads them and keeps delivered ones;
    // admin (asked to redeliver) and the prober (continuing a redelivery) restore kept ones.
    payloads.bindTo(api.ingestFunction, 'ingest');
    payloads.bindTo(delivery.function, 'deliver');
    for (const fn of [api.adminFunction, prober.function]) payloads.bindTo(fn, 'redeliver');

    store.bindTo(api.ingestFunction);
    queues.grantSend(api.ingestFunction);

    // Admin: registers destinations (queue and mapping), and resume, skip and replay.
    store.bindTo(api.adminFunction);
    queues.grantProvision(api.adminFunction);
    queues.grantConsume(api.adminFunction);
    queues.grantSend(api.adminFunction);
    delivery.grantCreateMappings(api.adminFunction);
    alerts.grantSend(api.adminFunction);
    // Registration checks a destination's addresses; every delivery (and probe) checks them again.
    for (const fn of [api.adminFunction, delivery.function, prober.function]) {
      fn.addEnvironment(ENV.ALLOW_PRIVATE_DESTINATIONS, String(props.allowPrivateDestinations ?? false));
    }
    api.adminFunction.addEnvironment(ENV.VERIFY_DESTINATIONS, String(props.verifyDestinations ?? false));

    // Delivery pauses its own destination and alerts; the prober's reconciler disables the mapping.
    store.bindTo(delivery.function);
    queues.grantConsume(delivery.function);
    alerts.grantSend(delivery.function);

    store.bindTo(prober.function);
    queues.grantConsume(prober.function);
    // The reconciler: the only function that enables and disables mappings.
    delivery.grantReconcileMappings(prober.function);
    // The prober watches the age of every destination queue, active or paused.
    queues.grantList(prober.function);
    alerts.grantSend(prober.function);

    new Monitoring(this, 'Monitoring', {
      api: api.api,
      functions: {
        ingest: api.ingestFunction,
        admin: api.adminFunction,
        delivery: delivery.function,
        prober: prober.function,
      },
      table: store.table,
      queueNamePrefix: queues.namePrefix,
      alarmEmail: props.alarmEmail,
    });

    this.acknowledgeNagFindings(queues.namePrefix);
    this.acknowledgePayloadBucketFindings(payloads);
    if (egress) this.acknowledgeStaticEgressFindings(egress, [delivery.function, prober.function, api.adminFunction]);
  }

  /** The static egress VPC's findings this design accepts, with the reason (only with `staticEgress`). */
  private acknowledgeStaticEgressFindings(egress: StaticEgress, placedFunctions: Construct[]): void {
    for (const fn of placedFunctions)
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          "AWSLambdaVPCAccessExecutionRole is AWS's policy for exactly this: the network-interface actions Lambda needs to attach the function to its VPC's subnets (DescribeNetworkInterfaces allows no narrower resource) and writing its own logs.",
      });
    Validations.of(egress).acknowledge(
      {
        id: 'HIPAA.Security::HIPAA.Security-VPCNoUnrestrictedRouteToIGW',
        reason:
          "Only the public subnets route to the internet gateway, and they hold nothing but the two NAT gateways, whose Elastic IPs are the addresses receivers allowlist; the functions' private subnets reach the internet only through them.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-VPCDefaultSecurityGroupClosed',
        reason:
          "Nothing is placed in the VPC's default security group (the functions and the endpoints each have their own); closing its rules would take a custom-resource Lambda, a further function, to guard a group no network interface uses.",
      },
    );
  }

  /** The payload bucket's findings this design accepts, with the reason. */
  private acknowledgePayloadBucketFindings(payloads: PayloadBucket): void {
    const bucketArn = `<${this.getLogicalId(payloads.bucket.node.defaultChild as CfnElement)}.Arn>`;
    Validations.of(this).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/payloads/*]`,
        reason:
          "Payload objects are named by message id at run time; the wildcard is bounded to the payloads/ prefix of the one bucket: ingest and redelivery put, delivery gets and removes a settled message's.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/retained/*]`,
        reason:
          'Kept payloads are named by message id at run time; the wildcard is bounded to the retained/ prefix of the one bucket: delivery puts, redelivery gets.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/uploads/*]`,
        reason:
          "Uploads are named by source and upload id at run time; the wildcard is bounded to the uploads/ prefix of the one bucket: ingest puts, tags (the presigned PUTs run with its role) and reads them; delivery reads them and removes a settled message's. A source's URL names its own key, signed.",
      },
    );
    Validations.of(payloads).acknowledge(
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'Payloads live only until delivered (the queue and table hold the rest); cross-region replication is a deployment choice an operator can add, not a default that doubles where PHI is stored.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS',
        reason:
          'S3 server access logs can only be written to a bucket with S3-managed encryption; that bucket holds request logs, never payloads, and the payload bucket itself uses the customer-managed key.',
      },
    );
  }

  /** Each cdk-nag finding this design accepts, with the reason. */
  private acknowledgeNagFindings(queueNamePrefix: string): void {
    const finding = (rule: string, evidence: string) => `AwsSolutions::AwsSolutions-${rule}[${evidence}]`;
    Validations.of(this).acknowledge(
      {
        id: finding('IAM4', 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'),
        reason: "AWSLambdaBasicExecutionRole grants nothing but writing the function's own CloudWatch logs.",
      },
      {
        id: finding(
          'IAM4',
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
        ),
        reason:
          "AWS Backup's own service-role policy, on the role AWS Backup assumes to copy the table into the vault; AWS maintains it as the service gains resource types.",
      },
      {
        id: finding('IAM5', 'Action::kms:GenerateDataKey*'),
        reason: 'CDK grants these KMS actions on the one data key for encrypting table items and queue messages.',
      },
      {
        id: finding('IAM5', 'Action::kms:ReEncrypt*'),
        reason:
          'CDK grants these KMS actions on the one data key, for the table only, as part of its read/write grant.',
      },
      {
        id: finding('IAM5', `Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${queueNamePrefix}*`),
        reason:
          "Destination queues are created per destination at run time; the wildcard is bounded to this deployment's queue-name prefix.",
      },
      {
        id: finding(
          'IAM5',
          'Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:event-source-mapping:*',
        ),
        reason:
          "Mappings are created at run time; a lambda:FunctionArn condition limits these actions to mappings of the delivery function (the prober's reconciler reads and enables or disables them, admin deletes them).",
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          "Integrator routes (and the default route, which only answers 404) are authenticated by the ingest function with hashed source API keys, the contract's Bearer scheme; admin routes use IAM authorization.",
      },
      // HIPAA Security rules this design answers differently:
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          "Each function's grants are a policy of its own role, generated per grant by CDK and scoped to named resources; none is shared or attached to a user or group.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          "Ingest, admin and delivery scale with traffic: a reserved concurrency would throttle healthy destinations and integrators; API Gateway throttling bounds the API and each destination queue runs one batch at a time. Each destination queue's mapping has ScalingConfig.MaximumConcurrency 2, the least Lambda accepts. The prober runs one at a time by a lease in the table, not a reserved concurrency, which the concurrency quota of a new account cannot grant.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
        reason:
          "No function can lose an event to a DLQ-less failure: ingest and admin are synchronous (the caller gets the error); delivery's records return to their FIFO queue (a DLQ would break order, pauses handle failures); the prober's scheduled run is repeated every minute.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
        reason:
          "The functions reach only AWS APIs and receivers' public HTTPS endpoints; every delivery connects only to addresses checked at connect time (private, loopback and link-local refused), which a VPC would not add to.",
      },
      {
        id: finding('IAM5', 'Resource::*'),
        reason:
          "CreateEventSourceMapping (admin) is limited by a lambda:FunctionArn condition to the delivery function; ListEventSourceMappings (admin, and the prober's reconciler, which audits every mapping) supports no resource-level permissions and only reads mappings; ListQueues (the prober's) supports no resource-level permissions either, returns queue URLs only, and is called with this deployment's queue-name prefix (reading a queue stays scoped to it).",
      },
    );
  }
}
