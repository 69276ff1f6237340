import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  NatProvider,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LogEncryption } from './log-encryption';

/** Where a function runs in a VPC: the props of a Lambda function that place it there. */
export type FunctionPlacement = Required<Pick<FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'>>;

/**
 * Two NAT gateways, one per Availability Zone, each with its own Elastic IP: a receiver allowlists
 * both (Lambda places a function's network interfaces in either zone).
 */
const ZONES = 2;

/**
 * The AWS APIs the functions placed here call, reached through interface endpoints rather than the
 * NAT gateways (read from `lambdas/shared/wiring/`): SQS (receive, delete, list; admin creates and
 * configures queues), SES's API (`email`, alerts: `@aws-sdk/client-ses` calls
 * `email.<region>.amazonaws.com`; the API endpoint exists since December 2025, the older
 * `email-smtp` one serves SMTP only) and Lambda's control plane (the prober's reconciler, admin's
 * mapping creation). DynamoDB and S3 have gateway endpoints. KMS is never called by
 * the functions (SQS, DynamoDB and S3 call it on their behalf), credentials come from the Lambda
 * environment (no STS call), and logs and EMF metrics leave through Lambda's own log delivery,
 * outside the function's network interfaces.
 */
const INTERFACE_ENDPOINTS = {
  Sqs: InterfaceVpcEndpointAwsService.SQS,
  Ses: InterfaceVpcEndpointAwsService.EMAIL,
  Lambda: InterfaceVpcEndpointAwsService.LAMBDA,
} as const;

export interface StaticEgressProps {
  /** How long the VPC flow logs are kept. @default RetentionDays.ONE_YEAR (as the functions' logs) */
  readonly flowLogRetention?: RetentionDays;
}

/**
 * A VPC whose private subnets reach the internet through two NAT gateways with Elastic IPs, so the
 * functions placed in it (`placement`) connect to receivers from two fixed addresses a hospital's
 * firewall can allowlist (the outputs `EgressIp1`, `EgressIp2`). AWS APIs are reached through VPC
 * endpoints, never through the NAT gateways. The Elastic IPs are resources of their own, not the
 * NAT gateways', so a change to the VPC that replaces a gateway keeps the addresses; deleting this
 * construct (turning the option off) releases them. All traffic is recorded in flow logs, encrypted
 * with the stack's log key.
 */
export class StaticEgress extends Construct {
  public readonly vpc: Vpc;
  /** The public addresses receivers see, one per zone (tokens resolved at deploy time). */
  public readonly egressIps: string[];
  /** What functions placed here send from: egress only, no inbound rule. */
  private readonly functionSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: StaticEgressProps = {}) {
    super(scope, id);
    const addresses = Array.from(
      { length: ZONES },
      (_, index) => new CfnEIP(this, `EgressIp${index + 1}`, { domain: 'vpc' }),
    );
    this.egressIps = addresses.map((address) => address.attrPublicIp);

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: ZONES,
      // Nothing joins the default group; closing it would take a custom-resource Lambda (see the stack's acknowledgements).
      restrictDefaultSecurityGroup: false,
      natGateways: ZONES,
      natGatewayProvider: NatProvider.gateway({
        eipAllocationIds: addresses.map((address) => address.attrAllocationId),
      }),
      subnetConfiguration: [
        // Holds only the NAT gateways, which carry their own Elastic IPs: nothing is given a public address.
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
    });
    this.vpc.addFlowLog('FlowLogs', {
      trafficType: FlowLogTrafficType.ALL,
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogGroup', {
          retention: props.flowLogRetention ?? RetentionDays.ONE_YEAR,
          encryptionKey: LogEncryption.keyOf(this),
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      ),
    });

    this.functionSecurityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'Conveyor: functions sending from the static egress addresses (egress only)',
      allowAllOutbound: false,
    });
    // Receivers listen on any port their https (or, for private destinations, http) URL names;
    // DNS goes to the VPC resolver, which security groups do not filter.
    this.functionSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.allTcp(), 'Receivers and AWS endpoints over TCP');

    const endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Conveyor: interface endpoints, reached over HTTPS by the placed functions only',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(this.functionSecurityGroup, Port.HTTPS, 'Placed functions call AWS APIs');
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [endpointSecurityGroup],
        // Only the group above may reach it, not the whole VPC range.
        open: false,
        privateDnsEnabled: true,
      });
    }

    addresses.forEach((address, index) => {
      new CfnOutput(this, `EgressIp${index + 1}Output`, {
        key: `EgressIp${index + 1}`,
        value: address.attrPublicIp,
        description: `Static egress: public address ${index + 1} of ${ZONES} that deliveries and probes come from (allowlist both)`,
      });
    });
  }

  /**
   * Where a function goes to send from the static addresses: the private subnets, behind the NAT
   * gateways, in the egress-only security group. Spread into the function's props; CDK then gives
   * its role `AWSLambdaVPCAccessExecutionRole` (the ENI permissions Lambda needs to attach it).
   */
  placement(): FunctionPlacement {
    return {
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.functionSecurityGroup],
    };
  }
}
