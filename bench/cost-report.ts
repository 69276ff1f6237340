/** The cost benchmark's figures as printed lines (by `npm run bench` and `bench/cost-only.ts`). */
import type { Cost } from './cost';
import type { FanOutWrites } from './cost-fan-out';
import { allLogBytes, type Lines } from './cost-pricing';
import { PRICES } from './prices';

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const byLine = (lines: Lines, digits = 2) =>
  Object.entries(lines)
    .map(([line, amount]) => `${line} ${fixed(amount, digits)}`)
    .join(', ');
const total = (lines: Lines) => Object.values(lines).reduce((sum, value) => sum + value, 0);

/** Goals of issue 14 for cost. */
const GOALS = { writeUnits: 2, fanOutWriteUnits: 3, logBytes: 300, dollars: 3 };

/** The fan-out's write units, as one line. */
export const formatFanOutWrites = (fanOut: FanOutWrites): string =>
  `cost, fan-out: ${fanOut.destinations} destinations × ${fanOut.messages} messages: ${fixed(fanOut.writeUnitsPerDelivery)} write units per delivered message (goal ≤ ${GOALS.fanOutWriteUnits}), ${fixed(fanOut.readUnitsPerDelivery)} read units; message item ${fixed(fanOut.messageItemBytes / 1024, 1)} KiB, own items ${fixed(fanOut.ownItemBytes, 0)} B each once delivered)`;

/** One line per figure; the last one says which goals are met. */
export const formatCost = (cost: Cost): string[] => {
  const { usage, priced, atInfo } = cost;
  const perMessage = priced.perMessage;
  const logs = perMessage.logBytes;
  const logBytes = allLogBytes(perMessage);
  const { perDestination, perDeployment } = priced.fixedMonthly;
  const perRun = usage.proberPerRun;
  return [
    `cost run: ${usage.messages} messages of 2 KB to one destination (20 ms receiver), sent while its poller was held, drained in ${usage.deliveryInvocations} invocations: batches of ${fixed(usage.batchSize, 1)}; ingest ${fixed(usage.ingestMs / usage.messages, 1)} ms a request on average (p50 ${fixed(usage.ingestP50Ms, 1)} ms), delivery ${fixed(usage.deliveryMs / usage.messages, 1)} ms a message`,
    `cost, requests per delivered message (prober's share out): ${JSON.stringify(Object.fromEntries(Object.entries(usage.requests).map(([key, count]) => [key, Number(fixed(count / usage.messages, 3))])))}; empty receives during the run ${usage.emptyReceives} (fixed cost)`,
    `cost, usage per delivered message: ${fixed(perMessage.writeUnits)} write units, ${fixed(perMessage.readUnits)} read units (BatchGetItem ${fixed(perMessage.batchGetReadUnits)}, per item), ` +
      `${fixed(perMessage.sqsRequests)} SQS requests, ${fixed(perMessage.s3Requests)} S3 requests, ` +
      `${fixed(perMessage.invocations.ingest + perMessage.invocations.delivery)} invocations, ` +
      `${fixed(perMessage.gbSeconds.ingest, 4)} GB-s ingest (1024 MB) + ${fixed(perMessage.gbSeconds.delivery, 4)} GB-s delivery (512 MB), ` +
      `log ${fixed(logBytes, 0)} B (app ${fixed(logs.app, 0)}, EMF ${fixed(logs.emf, 0)}, platform ${fixed(logs.platform, 0)}, API access ${fixed(logs.apiAccess, 0)}), ` +
      `transfer out ${fixed(perMessage.transferOutBytes, 0)} B, stored ${fixed(perMessage.storedBytes.dynamoDb, 0)} B in DynamoDB + ${fixed(perMessage.storedBytes.s3, 0)} B in S3`,
    `cost, $ per million delivered (prices of ${PRICES.checked}, storage for one retained month): ${byLine(priced.dollarsPerMillion)}; total ${fixed(priced.total)} (${fixed(atInfo.total)} at Lambda's default system log level, INFO)`,
    `cost, fixed per month: per destination $${fixed(total(perDestination), 3)} (${byLine(perDestination, 3)}); ` +
      `per deployment $${fixed(total(perDeployment))} (${byLine(perDeployment)}); prober per run: ${JSON.stringify(perRun.requests)}, ${fixed(perRun.writeUnits, 2)} WU, ${fixed(perRun.readUnits, 2)} RU, ${fixed(perRun.logBytes + perRun.emfBytes, 0)} B of logs; metrics seen: ${usage.metricNames.join(' ')}`,
    `cost, low-cost options ($ per million): ${priced.options.map((option) => `${option.name} ${fixed(option.total)} (gives up ${option.givesUp})`).join('; ')}`,
    ...(cost.fanOut ? [formatFanOutWrites(cost.fanOut)] : []),
    `cost goals: write units ${fixed(perMessage.writeUnits)} (≤ ${GOALS.writeUnits}: ${perMessage.writeUnits <= GOALS.writeUnits ? 'met' : 'missed'}), ` +
      (cost.fanOut
        ? `fan-out ${fixed(cost.fanOut.writeUnitsPerDelivery)} (≤ ${GOALS.fanOutWriteUnits}: ${cost.fanOut.writeUnitsPerDelivery <= GOALS.fanOutWriteUnits ? 'met' : 'missed'}), `
        : '') +
      `log ${fixed(logBytes, 0)} B (≤ ${GOALS.logBytes}: ${logBytes <= GOALS.logBytes ? 'met' : 'missed'}), ` +
      `$${fixed(priced.total)} per million at on-demand HTTP-API prices (≤ $${fixed(GOALS.dollars)}: ${priced.total <= GOALS.dollars ? 'met' : 'missed'})`,
  ];
};
