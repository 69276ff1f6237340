import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { ConveyorStack, type ConveyorStackProps } from '../../lib/conveyor-stack';

// Bundling off: these tests assert the template, not the function code.
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const props = (staticEgress?: boolean): ConveyorStackProps => ({
  alertFromAddress: 'alerts@example.org',
  staticEgress,
});

type Resource = { Type: string; Properties: Record<string, any> };

const shapeOf = (template: Template) => {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const functionId = (descriptionStart: string) => {
    const ids = ofType('AWS::Lambda::Function')
      .filter(([, fn]) => String(fn.Properties.Description).startsWith(`Conveyor: ${descriptionStart}`))
      .map(([id]) => id);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };
  const managedPoliciesOf = (functionLogicalId: string) => {
    const roleId = resources[functionLogicalId]!.Properties.Role['Fn::GetAtt'][0];
    return JSON.stringify(resources[roleId]!.Properties.ManagedPolicyArns);
  };
  return { resources, ofType, functionId, managedPoliciesOf };
};

describe('static egress (-c staticEgress=true)', () => {
  const offTemplate = Template.fromStack(new ConveyorStack(newApp(), 'ConveyorTest', props()));
  const off = shapeOf(offTemplate);
  const template = Template.fromStack(new ConveyorStack(newApp(), 'ConveyorTest', props(true)));
  const on = shapeOf(template);
  const delivery = on.functionId('delivers');
  const prober = on.functionId('retries the heads');
  // An operator's resume probes the paused head from the admin function at once.
  const admin = on.functionId('organizations');
  const ref = (id: string) => ({ Ref: id });

  /** The subnets whose default route goes through a NAT gateway, and those routes' tables. */
  const privateSubnets = () => {
    const tablesBehindNat = on
      .ofType('AWS::EC2::Route')
      .filter(([, route]) => route.Properties.DestinationCidrBlock === '0.0.0.0/0' && route.Properties.NatGatewayId)
      .map(([, route]) => route.Properties.RouteTableId.Ref as string);
    const subnets = on
      .ofType('AWS::EC2::SubnetRouteTableAssociation')
      .filter(([, association]) => tablesBehindNat.includes(association.Properties.RouteTableId.Ref))
      .map(([, association]) => association.Properties.SubnetId.Ref as string);
    return { subnets: subnets.sort(), tables: tablesBehindNat.sort() };
  };

  it('leaves the default deployment without any network resource', () => {
    expect(Object.values(off.resources).filter((resource) => resource.Type.startsWith('AWS::EC2::'))).toEqual([]);
    for (const [, fn] of off.ofType('AWS::Lambda::Function')) expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(Object.keys(offTemplate.findOutputs('*')).filter((key) => key.startsWith('EgressIp'))).toEqual([]);
    expect(off.managedPoliciesOf(off.functionId('delivers'))).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it('sends from two Elastic IPs, one NAT gateway in each of two zones', () => {
    const addresses = on.ofType('AWS::EC2::EIP').map(([id]) => id);
    expect(addresses).toHaveLength(2);
    const gateways = on.ofType('AWS::EC2::NatGateway').map(([, gateway]) => gateway.Properties);
    expect(gateways.map((gateway) => gateway.AllocationId['Fn::GetAtt']).sort()).toEqual(
      addresses.map((id) => [id, 'AllocationId']).sort(),
    );
    const zonesOf = gateways.map((gateway) =>
      JSON.stringify(on.resources[gateway.SubnetId.Ref]!.Properties.AvailabilityZone),
    );
    expect(new Set(zonesOf).size).toBe(2);
    // The gateways' subnets give nothing a public address of its own.
    for (const [, subnet] of on.ofType('AWS::EC2::Subnet')) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('places every function that connects to receivers (delivery, the prober, admin for resume) in the private subnets behind the NAT gateways, egress only', () => {
    const { subnets } = privateSubnets();
    expect(subnets).toHaveLength(2);
    const groups = new Set<string>();
    for (const id of [delivery, prober, admin]) {
      const vpcConfig = on.resources[id]!.Properties.VpcConfig;
      expect(vpcConfig.SubnetIds.map((subnet: { Ref: string }) => subnet.Ref).sort()).toEqual(subnets);
      expect(vpcConfig.SecurityGroupIds).toHaveLength(1);
      groups.add(vpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0]);
      // Lambda attaches the function's network interfaces with these permissions.
      expect(on.managedPoliciesOf(id)).toContain('AWSLambdaVPCAccessExecutionRole');
    }
    expect(groups.size).toBe(1);
    const [groupId] = [...groups];
    const group = on.resources[groupId!]!.Properties;
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 0, ToPort: 65535 }),
    ]);
    const ingressToGroup = on
      .ofType('AWS::EC2::SecurityGroupIngress')
      .filter(([, rule]) => rule.Properties.GroupId['Fn::GetAtt']?.[0] === groupId);
    expect(ingressToGroup).toEqual([]);
  });

  it('keeps ingest, which never connects to a receiver, out of the VPC', () => {
    const ingest = on.functionId('accepts messages');
    expect(on.resources[ingest]!.Properties.VpcConfig).toBeUndefined();
    expect(on.managedPoliciesOf(ingest)).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it('reaches DynamoDB and S3 through gateway endpoints on the private route tables', () => {
    const { tables } = privateSubnets();
    for (const service of ['dynamodb', 's3']) {
      const endpoints = on
        .ofType('AWS::EC2::VPCEndpoint')
        .filter(([, endpoint]) => JSON.stringify(endpoint.Properties.ServiceName).endsWith(`.${service}"]]}`));
      expect(endpoints).toHaveLength(1);
      const endpoint = endpoints[0]![1].Properties;
      expect(endpoint.VpcEndpointType).toBe('Gateway');
      expect(endpoint.RouteTableIds).toEqual(expect.arrayContaining(tables.map(ref)));
    }
  });

  it('reaches SQS, the SES API and the Lambda control plane through interface endpoints only the placed functions may call', () => {
    const { subnets } = privateSubnets();
    const functionGroup = on.resources[delivery]!.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
    for (const service of ['sqs', 'email', 'lambda']) {
      const endpoints = on
        .ofType('AWS::EC2::VPCEndpoint')
        .filter(([, endpoint]) => JSON.stringify(endpoint.Properties.ServiceName).endsWith(`.${service}"]]}`));
      expect(endpoints).toHaveLength(1);
      const endpoint = endpoints[0]![1].Properties;
      expect(endpoint).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
      expect(endpoint.SubnetIds.map((subnet: { Ref: string }) => subnet.Ref).sort()).toEqual(subnets);
      for (const group of endpoint.SecurityGroupIds) {
        const groupId = group['Fn::GetAtt'][0];
        expect(on.resources[groupId]!.Properties.SecurityGroupIngress).toBeUndefined();
        const ingress = on
          .ofType('AWS::EC2::SecurityGroupIngress')
          .filter(([, rule]) => rule.Properties.GroupId['Fn::GetAtt'][0] === groupId)
          .map(([, rule]) => rule.Properties);
        expect(ingress).toEqual([
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            SourceSecurityGroupId: { 'Fn::GetAtt': [functionGroup, 'GroupId'] },
          }),
        ]);
      }
    }
    expect(on.ofType('AWS::EC2::VPCEndpoint')).toHaveLength(5);
  });

  it('logs every flow of the VPC to a log group encrypted with the log key', () => {
    const vpcId = on.ofType('AWS::EC2::VPC').map(([id]) => id);
    expect(vpcId).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceId: ref(vpcId[0]!),
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    const flowLog = on.ofType('AWS::EC2::FlowLog')[0]![1].Properties;
    const logGroup = on.resources[flowLog.LogGroupName.Ref]!.Properties;
    const logKey = on.ofType('AWS::KMS::Key').filter(([, key]) => /log groups/.test(key.Properties.Description));
    expect(logKey).toHaveLength(1);
    expect(logGroup).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [logKey[0]![0], 'Arn'] }, RetentionInDays: 365 });
  });

  it('gives the two egress addresses as the outputs EgressIp1 and EgressIp2', () => {
    const addresses = on.ofType('AWS::EC2::EIP').map(([id]) => id);
    const outputs = Object.entries(template.findOutputs('*')).filter(([key]) => key.startsWith('EgressIp'));
    expect(outputs.map(([key]) => key)).toEqual(['EgressIp1', 'EgressIp2']);
    expect(outputs.map(([, output]) => output.Value['Fn::GetAtt'])).toEqual(addresses.map((id) => [id, 'PublicIp']));
    template.hasOutput('EgressIp1', { Description: Match.stringLikeRegexp('allowlist') });
  });

  it('leaves no unacknowledged cdk-nag finding (AwsSolutions, HIPAA Security)', () => {
    const app = newApp();
    new ConveyorStack(app, 'ConveyorNag', props(true));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
