import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { TABLE_SCHEMA } from '../../lambdas/shared/adapters/dynamodb/keys';
import { ENV } from '../../lambdas/shared/runtime/env';
import { ConveyorStack } from '../../lib/conveyor-stack';

// Bundling off: these tests assert the template, not the function code.
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

const synthesize = () => {
  const app = newApp();
  const stack = new ConveyorStack(app, 'ConveyorTest', { alertFromAddress: 'alerts@example.org' });
  return { app, stack, template: Template.fromStack(stack) };
};

const { app, template } = synthesize();

const functionLogicalId = (descriptionStart: string) => {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(`^Conveyor: ${descriptionStart}`) },
  });
  const ids = Object.keys(functions);
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

const policyStatementsOf = (functionId: string) => {
  const role = template.findResources('AWS::Lambda::Function')[functionId]!.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
  );
};

const actionsOf = (statements: Array<Record<string, unknown>>) =>
  statements.flatMap((statement) => [statement.Action].flat() as string[]);

describe('ConveyorStack', () => {
  it('keeps everything in one encrypted, recoverable table with the key schema the local runtime uses', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('runs every function on Node.js 24, arm64, from the split bundle, without loading source maps, with retained logs', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(4);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
      });
    }
    // Source maps travel in the package for `npm run symbolicate`; loading them costs each cold start ~100 ms.
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Environment.Variables[ENV.NODE_OPTIONS]).toBeUndefined();
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('gives destination queues a visibility timeout of at least six delivery timeouts', () => {
    const delivery = template.findResources('AWS::Lambda::Function')[functionLogicalId('delivers')]!;
    const admin = template.findResources('AWS::Lambda::Function')[functionLogicalId('organizations')]!;
    const visibility = Number(admin.Properties.Environment.Variables[ENV.QUEUE_VISIBILITY_TIMEOUT_SECONDS]);
    expect(delivery.Properties.Timeout).toBe(120);
    expect(visibility).toBeGreaterThanOrEqual(6 * delivery.Properties.Timeout);
  });

  it('declares no queue or mapping in the template, so a deploy never changes (or un-pauses) one', () => {
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });

  it("lets the admin function manage only this deployment's queues and only mappings to the delivery function", () => {
    const statements = policyStatementsOf(functionLogicalId('organizations'));
    const delivery = template.findResources('AWS::Lambda::Function')[functionLogicalId('delivers')]!;
    expect(delivery.Properties.FunctionName).toBe('ConveyorTest-delivery');
    const namesDelivery = (statement: Record<string, unknown> | undefined) =>
      JSON.stringify((statement?.Condition as any)?.StringEquals?.['lambda:FunctionArn']).includes(
        ':function:ConveyorTest-delivery',
      );
    const createMapping = statements.find((statement) => statement.Action === 'lambda:CreateEventSourceMapping');
    expect(namesDelivery(createMapping)).toBe(true);
    const deleteMapping = statements.find((statement) =>
      actionsOf([statement]).includes('lambda:DeleteEventSourceMapping'),
    );
    expect(namesDelivery(deleteMapping)).toBe(true);
    // Registration creates mappings; only the prober's reconciler changes their state.
    expect(actionsOf(statements)).not.toContain('lambda:UpdateEventSourceMapping');
    const queueStatement = statements.find((statement) => actionsOf([statement]).includes('sqs:CreateQueue'))!;
    expect(JSON.stringify(queueStatement.Resource)).toContain(':conveyortest-*');
    const sqsStatements = statements.filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('sqs:')),
    );
    for (const statement of sqsStatements) expect(JSON.stringify(statement.Resource)).toContain(':conveyortest-*');
  });

  it("lets only the prober (the reconciler) read, enable and disable the delivery function's mappings, and never create one; delivery no Lambda call at all", () => {
    const prober = policyStatementsOf(functionLogicalId('retries'));
    const reconcile = prober.find((statement) => actionsOf([statement]).includes('lambda:UpdateEventSourceMapping'))!;
    expect(actionsOf([reconcile]).sort()).toEqual(['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping']);
    expect(JSON.stringify((reconcile.Condition as any).StringEquals['lambda:FunctionArn'])).toContain(
      ':function:ConveyorTest-delivery',
    );
    expect(actionsOf(prober)).toContain('lambda:ListEventSourceMappings');
    expect(actionsOf(prober)).not.toContain('lambda:CreateEventSourceMapping');
    expect(actionsOf(prober)).not.toContain('lambda:DeleteEventSourceMapping');
    const proberFunction = template.findResources('AWS::Lambda::Function')[functionLogicalId('retries')]!;
    expect(JSON.stringify(proberFunction.Properties.Environment.Variables[ENV.DELIVERY_FUNCTION_ARN])).toContain(
      ':function:ConveyorTest-delivery',
    );
    expect(
      actionsOf(policyStatementsOf(functionLogicalId('delivers'))).filter((action) => action.startsWith('lambda:')),
    ).toEqual([]);
  });

  it("lets the prober list queues (ListQueues takes no resource) and read the attributes of this deployment's queues only", () => {
    const statements = policyStatementsOf(functionLogicalId('retries'));
    const list = statements.filter((statement) => actionsOf([statement]).includes('sqs:ListQueues'));
    expect(list).toEqual([expect.objectContaining({ Action: 'sqs:ListQueues', Resource: '*' })]);
    const attributes = statements.filter((statement) => actionsOf([statement]).includes('sqs:GetQueueAttributes'));
    expect(attributes.length).toBeGreaterThan(0);
    for (const statement of attributes) expect(JSON.stringify(statement.Resource)).toContain(':conveyortest-*');
    for (const fn of ['accepts', 'delivers', 'organizations'])
      expect(actionsOf(policyStatementsOf(functionLogicalId(fn)))).not.toContain('sqs:ListQueues');
  });

  it('sends alerts only from the configured address', () => {
    for (const fn of [
      functionLogicalId('delivers'),
      functionLogicalId('retries'),
      functionLogicalId('organizations'),
    ]) {
      const send = policyStatementsOf(fn).find((statement) => statement.Action === 'ses:SendEmail');
      expect(send).toMatchObject({ Condition: { StringEquals: { 'ses:FromAddress': 'alerts@example.org' } } });
    }
    expect(actionsOf(policyStatementsOf(functionLogicalId('accepts')))).not.toContain('ses:SendEmail');
  });

  it('runs the prober every minute without reserved concurrency, which a new account cannot grant (its runs take a lease)', () => {
    const prober = functionLogicalId('retries');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [prober, 'Arn'] } })],
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined)).toEqual([]);
  });

  it('reserves concurrency for ingest only when the deployment asks (a delivery surge can then never starve integrators)', () => {
    const app = newApp();
    const reserved = Template.fromStack(
      new ConveyorStack(app, 'ConveyorReserved', {
        alertFromAddress: 'alerts@example.org',
        ingestReservedConcurrency: 50,
      }),
    );
    const functions = Object.values(reserved.findResources('AWS::Lambda::Function'));
    const withReserve = functions.filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined);
    expect(withReserve.map((fn) => [fn.Properties.Description, fn.Properties.ReservedConcurrentExecutions])).toEqual([
      [expect.stringMatching(/^Conveyor: accepts messages/), 50],
    ]);
  });

  it('lets ingest only send and delivery only consume', () => {
    const ingest = actionsOf(policyStatementsOf(functionLogicalId('accepts')));
    expect(ingest).toEqual(expect.arrayContaining(['sqs:SendMessage', 'kms:GenerateDataKey']));
    expect(ingest).not.toEqual(expect.arrayContaining(['sqs:ReceiveMessage']));
    expect(ingest.some((action) => action.startsWith('lambda:') || action === 'sqs:CreateQueue')).toBe(false);
    const delivery = actionsOf(policyStatementsOf(functionLogicalId('delivers')));
    expect(delivery).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'kms:Decrypt']));
    expect(delivery).not.toContain('sqs:SendMessage');
  });

  it('puts admin routes behind IAM authorization and logs access without headers or bodies', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /v1/admin/{proxy+}',
      AuthorizationType: 'AWS_IAM',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/messages' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/messages/{messageId}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/uploads' });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const format = stage.Properties.AccessLogSettings.Format as string;
    expect(format).toContain('$context.requestId');
    expect(format).not.toMatch(/header|body/i);
  });

  it('publishes the OpenAPI document byte for byte with the stack, named by an output, adding no resource', () => {
    const outputs = Object.values(
      template.findOutputs('*', { Description: Match.stringLikeRegexp('OpenAPI document') }),
    );
    expect(outputs).toHaveLength(1);
    // s3://<the bootstrap bucket of the account and region>/<content hash>.yaml, the file asset's address.
    const url = outputs[0]!.Value['Fn::Sub'] as string;
    const key = /^s3:\/\/cdk-[a-z0-9]+-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/([0-9a-f]{64}\.yaml)$/.exec(
      url,
    )?.[1];
    expect(key).toBeDefined();
    const staged = readFileSync(join(app.synth().directory, `asset.${key}`));
    expect(staged.equals(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.yaml')))).toBe(true);
    // No custom resource or deployment function: a file asset is uploaded by `cdk deploy` itself.
    expect(Object.keys(template.findResources('Custom::CDKBucketDeployment'))).toHaveLength(0);
  });

  it('passes cdk-nag AwsSolutions and HIPAA Security checks with every finding acknowledged', () => {
    const app = newApp();
    new ConveyorStack(app, 'ConveyorNag', { alertFromAddress: 'alerts@example.org' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps large payloads in a private, TLS-only, KMS-encrypted, versioned bucket that expires them', () => {
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      },
    });
    expect(Object.keys(buckets)).toHaveLength(1);
    const [bucketId, bucket] = Object.entries(buckets)[0]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'payloads/' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({ Prefix: 'payloads/', ExpirationInDays: 400, Status: 'Enabled' }),
          expect.objectContaining({ Prefix: 'retained/', ExpirationInDays: 7, Status: 'Enabled' }),
          // Uploads no message took (tagged unused by their presigned PUT) go after a day.
          {
            Id: 'UnusedUploads',
            Prefix: 'uploads/',
            TagFilters: [{ Key: 'conveyor-upload', Value: 'unused' }],
            ExpirationInDays: 1,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          },
          // A used upload is an in-flight payload: removed by delivery, with the backstop of payloads/.
          expect.objectContaining({
            Id: 'UsedUploads',
            Prefix: 'uploads/',
            TagFilters: [{ Key: 'conveyor-upload', Value: 'used' }],
            ExpirationInDays: 400,
          }),
          { Id: 'UploadDeleteMarkers', Prefix: 'uploads/', ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const s3Grants = (description: string) =>
      policyStatementsOf(functionLogicalId(description))
        .filter((statement) => actionsOf([statement]).some((action) => action.startsWith('s3:')))
        .map((statement) => ({
          actions: actionsOf([statement]),
          prefixes: [statement.Resource].flat().map((resource) => {
            const joined = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
            return joined ? joined[1].at(-1) : 'the bucket';
          }),
        }));
    // Ingest: payloads put; uploads put and tagged (its presigned URLs run with its role), read and tagged used.
    expect(s3Grants('accepts messages')).toEqual([
      { actions: ['s3:PutObject'], prefixes: ['/payloads/*'] },
      { actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject'], prefixes: ['/uploads/*'] },
    ]);
    // Delivery reads what it delivers, keeps it under retained/ and removes a settled message's.
    const delivering = [
      { actions: ['s3:GetObject', 's3:DeleteObject'], prefixes: ['/payloads/*', '/uploads/*'] },
      { actions: ['s3:PutObject'], prefixes: ['/retained/*'] },
    ];
    expect(s3Grants('delivers')).toEqual(delivering);
    // Admin and the prober deliver and redeliver: only they read what was kept.
    for (const description of ['retries the heads', 'organizations'])
      expect(s3Grants(description)).toEqual([
        ...delivering,
        { actions: ['s3:GetObject'], prefixes: ['/retained/*'] },
        { actions: ['s3:PutObject'], prefixes: ['/payloads/*'] },
        { actions: ['s3:ListBucket'], prefixes: ['the bucket'] },
      ]);
    const ingestKms = actionsOf(policyStatementsOf(functionLogicalId('accepts messages'))).filter((action) =>
      action.startsWith('kms:'),
    );
    expect(ingestKms).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
  });

  it.each([
    [undefined, 7, '7'],
    [30, 30, '30'],
    // Nothing is kept; the rule sweeps what an earlier setting kept, after the shortest S3 allows.
    [0, 1, '0'],
  ])(
    'keeps delivered payloads for payloadRetentionDays=%p: the rule expires them after %p days',
    (days, ruleDays, env) => {
      const retention = Template.fromStack(
        new ConveyorStack(newApp(), 'ConveyorRetention', {
          alertFromAddress: 'alerts@example.org',
          payloadRetentionDays: days,
        }),
      );
      retention.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ Prefix: 'retained/', ExpirationInDays: ruleDays })]),
        },
      });
      const functions = Object.values(retention.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.PAYLOAD_BUCKET !== undefined,
      );
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const fn of functions) expect(fn.Properties.Environment.Variables.PAYLOAD_RETENTION_DAYS).toBe(env);
    },
  );

  it('refuses a payload retention that is not a whole number of days from 0', () => {
    expect(
      () =>
        new ConveyorStack(newApp(), 'ConveyorBadRetention', {
          alertFromAddress: 'alerts@example.org',
          payloadRetentionDays: -1,
        }),
    ).toThrow(/payloadRetentionDays must be a whole number of days from 0/);
  });

  it('encrypts every log group with a customer-managed key and backs the table up daily', () => {
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(5);
    for (const logGroup of logGroups) expect(logGroup.Properties.KmsKeyId).toBeDefined();
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: Match.anyValue() });
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: { Resources: Match.anyValue() },
    });
  });

  it('fails synthesis when a cdk-nag finding is not acknowledged', () => {
    const app = newApp();
    const stack = new ConveyorStack(app, 'ConveyorNagBroken', { alertFromAddress: 'alerts@example.org' });
    // A bucket without any of the controls AwsSolutions requires.
    new Bucket(stack, 'Unchecked');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });

  it('tells every function that registers or delivers whether private destinations are allowed (default: not)', () => {
    for (const description of ['organizations', 'delivers', 'retries the heads']) {
      const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(description)]!;
      expect(fn.Properties.Environment.Variables[ENV.ALLOW_PRIVATE_DESTINATIONS]).toBe('false');
    }
  });

  it('tells the admin function whether new destinations require endpoint verification (default: not)', () => {
    const variablesOf = (synthesized: Template) =>
      Object.values(
        synthesized.findResources('AWS::Lambda::Function', {
          Properties: { Description: Match.stringLikeRegexp('^Conveyor: organizations') },
        }),
      )[0]!.Properties.Environment.Variables;
    expect(variablesOf(template)[ENV.VERIFY_DESTINATIONS]).toBe('false');
    const verifying = new ConveyorStack(newApp(), 'ConveyorVerifying', {
      alertFromAddress: 'alerts@example.org',
      verifyDestinations: true,
    });
    expect(variablesOf(Template.fromStack(verifying))[ENV.VERIFY_DESTINATIONS]).toBe('true');
  });

  describe('monitoring', () => {
    const alarmOn = (metricName: string) => {
      const alarms = Object.values(
        template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }),
      );
      expect(alarms).toHaveLength(1);
      return alarms[0]!.Properties;
    };

    it('alarms on a long pause and on an entry nearing retention well before the spill (12 d) and SQS (14 d)', () => {
      expect(alarmOn('LongestPause')).toMatchObject({
        Namespace: 'Conveyor',
        Threshold: 3600,
        Dimensions: [{ Name: 'service', Value: 'ConveyorTest' }],
      });
      const retention = alarmOn('OldestPausedEntryAge');
      expect(retention.Threshold).toBe(7 * 24 * 3600);
      expect(retention.Threshold).toBeLessThan(12 * 24 * 3600);
    });

    it('alarms when the oldest entry of any destination queue has waited two days, all of five minutes, or goes unmeasured', () => {
      const age = alarmOn('OldestEntryAge');
      expect(age).toMatchObject({
        Namespace: 'Conveyor',
        Statistic: 'Minimum',
        Period: 300,
        Threshold: 2 * 24 * 3600,
        TreatMissingData: 'breaching',
      });
      // Well before the spill (12 d) and SQS's retention (14 d).
      expect(age.Threshold).toBeLessThan(12 * 24 * 3600);
    });

    it('alarms on ingest 5xx, delivery and prober errors, alert-send failures and mapping drift, all to one encrypted topic', () => {
      expect(alarmOn('5xx')).toMatchObject({ Namespace: 'AWS/ApiGateway', Threshold: 1 });
      expect(alarmOn('AlertSendFailures')).toMatchObject({ Namespace: 'Conveyor', Threshold: 1 });
      expect(alarmOn('AuditWriteFailures')).toMatchObject({ Namespace: 'Conveyor', Threshold: 1 });
      expect(alarmOn('MappingDrift')).toMatchObject({
        Namespace: 'Conveyor',
        Statistic: 'Maximum',
        Threshold: 1,
        Dimensions: [{ Name: 'service', Value: 'ConveyorTest' }],
      });
      const errorAlarms = Object.values(
        template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
        }),
      );
      expect(errorAlarms.map((alarm) => alarm.Properties.Dimensions[0].Value.Ref).sort()).toEqual(
        [functionLogicalId('delivers'), functionLogicalId('retries the heads')].sort(),
      );
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
      for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      }
    });

    it('subscribes the alarm email given as context, and none otherwise', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      const app = newApp();
      const stack = new ConveyorStack(app, 'ConveyorPaged', {
        alertFromAddress: 'alerts@example.org',
        alarmEmail: 'oncall@example.org',
      });
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.org',
      });
    });

    it('charts ingest, deliveries, pauses, the queues found by prefix, the functions and the table on one dashboard', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const body = JSON.stringify(
        Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
      );
      for (const metric of [
        'MessagesAccepted',
        'TransmissionsDelivered',
        'FailedAttempts',
        'DeliveryLatency',
        'EndpointResponseTime',
        'PausedDestinations',
        'LongestPause',
        'OldestPausedEntryAge',
        'OldestEntryAge',
        'SpillBacklog',
        'AlertSendFailures',
        'Pauses',
        'Resumes',
        'Skips',
        'MappingDrift',
        'MappingDriftFound',
        'MappingUpdates',
      ]) {
        expect(body).toContain(`\\"${metric}\\"`);
      }
      expect(body).toContain('SEARCH(');
      expect(body).toContain('ApproximateAgeOfOldestMessage');
      expect(body).toContain('conveyortest-');
      for (const metric of [
        '4xx',
        '5xx',
        'Latency',
        'Throttles',
        'ConcurrentExecutions',
        'ReadThrottleEvents',
        'WriteThrottleEvents',
      ])
        expect(body).toContain(metric);
    });

    it('tells every function which deployment its metrics belong to', () => {
      const functions = Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Description: Match.stringLikeRegexp('^Conveyor') },
        }),
      );
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const fn of functions)
        expect(fn.Properties.Environment.Variables[ENV.CONVEYOR_DEPLOYMENT]).toBe('ConveyorTest');
    });
  });
});
