import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, type MetricName, MetricNames } from '../../lambdas/shared/domain/metric-names';

export interface MonitoringProps {
  readonly api: HttpApi;
  readonly functions: {
    readonly ingest: IFunction;
    readonly admin: IFunction;
    readonly delivery: IFunction;
    readonly prober: IFunction;
  };
  readonly table: ITable;
  /** Destination queues are created at run time; the dashboard finds them by this name prefix. */
  readonly queueNamePrefix: string;
  /** Where alarm notifications go, besides the topic's other subscribers. @default no email subscription */
  readonly alarmEmail?: string;
  /** A destination paused longer than this raises an alarm. @default 1 hour */
  readonly pausedTooLong?: Duration;
  /**
   * An entry waiting behind a paused head older than this raises an alarm: well before the spill
   * takes over at 12 days and SQS's retention at 14. @default 7 days
   */
  readonly entryAgeAlarm?: Duration;
  /**
   * An entry of any destination queue, active or paused, older than this raises an alarm: a
   * receiver this far behind has a capacity problem no retry fixes, and ten days remain before
   * the spill has to act (12 days) and twelve before SQS would drop it (14). @default 2 days
   */
  readonly queueAgeAlarm?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What operators watch: one CloudWatch dashboard (ingest, deliveries, pauses, queues, functions,
 * table, mappings) and the alarms that page them through an SNS topic before anything is at risk.
 */
export class Monitoring extends Construct {
  public readonly dashboard: Dashboard;
  public readonly alarmTopic: Topic;
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const deployment = Stack.of(this).stackName;
    const conveyorMetric = (metricName: MetricName, statistic: string, label?: string) =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { service: deployment },
        statistic,
        period: FIVE_MINUTES,
        label,
      });

    // CloudWatch publishes to an encrypted topic only with a key whose policy lets it.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Conveyor: encrypts the alarm topic',
      enableKeyRotation: true,
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Conveyor alarms (${deployment})`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const alarm = (
      id: string,
      description: string,
      metric: IMetric,
      threshold: number,
      missing = TreatMissingData.NOT_BREACHING,
    ) => {
      const created = new Alarm(this, id, {
        alarmName: `${deployment}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: missing,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      created.addOkAction(new SnsAction(this.alarmTopic));
      this.alarms.push(created);
      return created;
    };

    const pausedTooLong = props.pausedTooLong ?? Duration.hours(1);
    const entryAgeAlarm = props.entryAgeAlarm ?? Duration.days(7);
    const queueAgeAlarm = props.queueAgeAlarm ?? Duration.days(2);
    alarm(
      'DestinationPausedTooLong',
      `A destination has been paused for ${pausedTooLong.toHumanString()} or more: its receiver is not getting messages. See docs/operations.md, "When a destination fails".`,
      conveyorMetric(MetricNames.longestPause, 'Maximum'),
      pausedTooLong.toSeconds(),
    );
    alarm(
      'PausedEntryNearingRetention',
      `An entry has waited behind a paused head for ${entryAgeAlarm.toHumanString()} or more. At 12 days Conveyor moves the backlog out of SQS (14-day retention) into the table; resume or skip before then.`,
      conveyorMetric(MetricNames.oldestPausedEntryAge, 'Maximum'),
      entryAgeAlarm.toSeconds(),
    );
    // Every sample of five minutes (the Minimum), so a queue refilled after an idle spell, whose age
    // reads high until delivery records its head, does not page; missing means nothing watches.
    alarm(
      'QueueEntryNearingRetention',
      `An entry has waited in a destination queue (active or paused) for ${queueAgeAlarm.toHumanString()} or more, or the prober stopped measuring. A receiver slower than the inflow, or a queue nothing consumes; at 12 days Conveyor pauses the destination and moves the backlog out of SQS (14-day retention). See docs/operations.md, "Dashboard and alarms".`,
      conveyorMetric(MetricNames.oldestEntryAge, 'Minimum'),
      queueAgeAlarm.toSeconds(),
      TreatMissingData.BREACHING,
    );
    alarm(
      'MappingDrift',
      "A destination's event-source mapping has not matched its state (enabled while active, disabled while paused) for 5 minutes or more: an active destination whose mapping is off delivers nothing until SQS's retention drops its backlog. The prober's log names the destination. See docs/operations.md, \"Mapping drift\".",
      conveyorMetric(MetricNames.mappingDrift, 'Maximum'),
      1,
    );
    alarm(
      'IngestServerErrors',
      'POST /v1/messages answered 5xx: integrators were told to retry (a destination queue or the table did not confirm).',
      props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    alarm(
      'DeliveryFunctionErrors',
      'The delivery function failed an invocation (batches go back to their queues and are retried in order).',
      props.functions.delivery.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    alarm(
      'ProberErrors',
      'The prober failed a run: paused destinations are not retried and alerts are not sent until it runs again.',
      props.functions.prober.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    alarm(
      'AlertSendFailures',
      'SES refused or failed an alert email; it stays in the outbox and is retried every minute. Check the SES identity and sending quota.',
      conveyorMetric(MetricNames.alertSendFailures, 'Sum'),
      1,
    );
    alarm(
      'AuditWriteFailures',
      'An admin write succeeded but its audit entry could not be stored: the admin function logged the entry at ERROR ("Audit entry not stored; the write itself succeeded") instead. Copy it from the log into your records; check the table\'s health.',
      conveyorMetric(MetricNames.auditWriteFailures, 'Sum'),
      1,
    );
    alarm(
      'PayloadsNotKept',
      'A delivered payload could not be written to the payload bucket for the payload retention: the delivery stands, but a redelivery of that message will leave it out (counted as RedeliveryPayloadsMissing). Check the bucket, its KMS key and the delivery role.',
      conveyorMetric(MetricNames.payloadsNotKept, 'Sum'),
      1,
    );

    const queueAge = new MathExpression({
      expression: `MAX(SEARCH('{AWS/SQS,QueueName} MetricName="ApproximateAgeOfOldestMessage" QueueName="${props.queueNamePrefix}"', 'Maximum', 300))`,
      label: 'Oldest message in any destination queue (s)',
      period: FIVE_MINUTES,
      usingMetrics: {},
    });
    const functions = Object.entries(props.functions);
    const perFunction = (metric: (fn: IFunction) => IMetric) => functions.map(([, fn]) => metric(fn));
    const graph = (title: string, left: IMetric[], right: IMetric[] = [], width = 8) =>
      new GraphWidget({ title, left, right, width, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${deployment}-operations`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Conveyor — ${deployment}\nIngest, deliveries and pauses. What each widget and alarm means: docs/operations.md, "Dashboard and alarms".`,
        width: 16,
        height: 2,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8, height: 2 }),
    );
    this.dashboard.addWidgets(
      graph(
        'Ingest requests and errors',
        [
          props.api.metricCount({ period: FIVE_MINUTES, label: 'Requests' }),
          props.api.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
          props.api.metricServerError({ period: FIVE_MINUTES, label: '5xx' }),
        ],
        [conveyorMetric(MetricNames.messagesAccepted, 'Sum', 'Messages accepted')],
      ),
      graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((statistic) =>
          props.api.metricLatency({ period: FIVE_MINUTES, statistic, label: statistic }),
        ),
      ),
      graph(
        'Deliveries',
        [
          conveyorMetric(MetricNames.transmissionsDelivered, 'Sum', 'Delivered'),
          conveyorMetric(MetricNames.failedAttempts, 'Sum', 'Failed attempts'),
        ],
        [conveyorMetric(MetricNames.transmissionsQueued, 'Sum', 'Queued')],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Delivery latency, receipt to arrival (ms)',
        ['p50', 'p99'].map((statistic) => conveyorMetric(MetricNames.deliveryLatency, statistic, statistic)),
      ),
      graph(
        'Endpoint response time (ms)',
        ['p50', 'p99'].map((statistic) => conveyorMetric(MetricNames.endpointResponseTime, statistic, statistic)),
      ),
      graph(
        'Pause episodes',
        [
          conveyorMetric(MetricNames.pauses, 'Sum', 'Paused'),
          conveyorMetric(MetricNames.resumes, 'Sum', 'Resumed'),
          conveyorMetric(MetricNames.skips, 'Sum', 'Skipped heads'),
          conveyorMetric(MetricNames.replays, 'Sum', 'Replays'),
        ],
        [
          conveyorMetric(MetricNames.alertsSent, 'Sum', 'Alerts sent'),
          conveyorMetric(MetricNames.alertSendFailures, 'Sum', 'Alert send failures'),
        ],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Paused destinations',
        [conveyorMetric(MetricNames.pausedDestinations, 'Maximum', 'Paused now')],
        [conveyorMetric(MetricNames.spillBacklog, 'Maximum', 'Entries in spills')],
      ),
      graph('Waiting (s)', [
        conveyorMetric(MetricNames.longestPause, 'Maximum', 'Longest pause'),
        conveyorMetric(MetricNames.oldestPausedEntryAge, 'Maximum', 'Oldest entry behind a paused head'),
        conveyorMetric(MetricNames.oldestEntryAge, 'Maximum', 'Oldest entry in any destination queue (prober)'),
        queueAge,
      ]),
      graph(
        'Function errors and throttles',
        perFunction((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
        perFunction((fn) => fn.metricThrottles({ period: FIVE_MINUTES })),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Function duration p99 (ms)',
        perFunction((fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' })),
      ),
      graph(
        'Function concurrency',
        perFunction((fn) => fn.metric('ConcurrentExecutions', { period: FIVE_MINUTES, statistic: 'Maximum' })),
      ),
      graph('DynamoDB throttles', [
        props.table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum', label: 'Read throttles' }),
        props.table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: 'Sum', label: 'Write throttles' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Event-source mappings',
        [
          conveyorMetric(MetricNames.mappingDrift, 'Maximum', 'Drifting for 5 min or more'),
          conveyorMetric(MetricNames.mappingDriftFound, 'Sum', 'Drift found by the audit'),
        ],
        [conveyorMetric(MetricNames.mappingUpdates, 'Sum', 'Enable/disable calls')],
      ),
    );
  }
}
