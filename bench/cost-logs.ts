/**
 * The log volume CloudWatch Logs would ingest, by kind: each function's application lines
 * (Powertools Logger, JSON with a `conveyor-<function>` service), the EMF lines Powertools Metrics
 * writes to stdout (JSON with an `_aws` key; counted only when the runtime is given
 * POWERTOOLS_METRICS_DISABLED=false, the local default being to discard metrics), and, modelled
 * because nothing emits them locally, the lines Lambda and API Gateway write themselves.
 */
import { interceptOutput } from '../test/fixtures/output';

/** Lines and bytes of one kind. */
export interface LogVolume {
  lines: number;
  bytes: number;
}

export interface CapturedLogs {
  /** Application lines by function (`ingest`, `delivery`, `admin`, `prober`). */
  readonly app: Map<string, LogVolume>;
  readonly emf: LogVolume;
  /** Metric names the EMF lines carried since capture began (not cleared by `reset`). */
  readonly metricNames: Set<string>;
  reset(): void;
  restore(): void;
}

const add = (volume: LogVolume, line: string) => {
  volume.lines++;
  volume.bytes += Buffer.byteLength(line) + 1; // with its newline
};

/** Counts Conveyor's log lines by kind and keeps them off the console until `restore`. */
export const captureLogsByKind = (): CapturedLogs => {
  const app = new Map<string, LogVolume>();
  const emf: LogVolume = { lines: 0, bytes: 0 };
  const metricNames = new Set<string>();
  const { restore } = interceptOutput((text) => {
    if (!text.startsWith('{')) return false;
    const isEmf = text.includes('"_aws":{');
    const service = /"service":"conveyor-([a-z]+)"/.exec(text)?.[1];
    if (!isEmf && service === undefined) return false;
    for (const line of text.split('\n').filter((candidate) => candidate.trim() !== '')) {
      if (line.includes('"_aws":{')) {
        add(emf, line);
        for (const match of line.matchAll(/"Name":"([A-Za-z]+)"/g)) metricNames.add(match[1]!);
      } else {
        const fn = /"service":"conveyor-([a-z]+)"/.exec(line)?.[1] ?? 'other';
        if (!app.has(fn)) app.set(fn, { lines: 0, bytes: 0 });
        add(app.get(fn)!, line);
      }
    }
    return true;
  });
  return {
    app,
    emf,
    metricNames,
    reset: () => {
      app.clear();
      Object.assign(emf, { lines: 0, bytes: 0 });
    },
    restore,
  };
};

const SAMPLE_TIME = '2026-11-30T10:00:00.000Z';
const SAMPLE_REQUEST_ID = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';

/**
 * The system log lines Lambda writes for one successful invocation of a function with the JSON log
 * format, as the Telemetry API Event schema reference shapes them (platform.start, platform.report).
 * At the system log level INFO (the default, and the stack's: lib/constructs/conveyor-function.ts
 * sets none) Lambda "automatically sends "start" and "report" log messages"
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html);
 * `platform.runtimeDone` (END) is DEBUG. At WARN neither is sent for a successful invocation:
 * a start and a successful report are INFO in the page's event mapping, failures and timeouts WARN.
 */
export const PLATFORM_LINES_PER_INVOCATION = [
  JSON.stringify({
    time: SAMPLE_TIME,
    type: 'platform.start',
    record: { requestId: SAMPLE_REQUEST_ID, version: '$LATEST' },
  }),
  JSON.stringify({
    time: SAMPLE_TIME,
    type: 'platform.report',
    record: {
      requestId: SAMPLE_REQUEST_ID,
      metrics: { durationMs: 123.45, billedDurationMs: 124, memorySizeMB: 1024, maxMemoryUsedMB: 112 },
      status: 'success',
    },
  }),
];

/** Bytes of platform lines per successful invocation at the system log level INFO. */
export const platformBytesPerInvocation = (systemLogLevel: 'INFO' | 'WARN'): number =>
  systemLogLevel === 'WARN' ? 0 : PLATFORM_LINES_PER_INVOCATION.reduce((sum, line) => sum + line.length + 1, 0);

/**
 * One line of the HTTP API's access log per request, in the stage's format
 * (lib/constructs/ingest-api.ts: `accessLogSettings`), with typical values.
 */
export const API_ACCESS_LOG_LINE = JSON.stringify({
  requestId: 'VnRZgjWpIAMEVxw=',
  ip: '203.0.113.24',
  requestTime: '30/Nov/2026:10:00:00 +0000',
  routeKey: 'POST /v1/messages',
  status: '200',
  responseLength: '243',
  integrationLatency: '38',
  latency: '41',
  errorMessage: '-',
});
