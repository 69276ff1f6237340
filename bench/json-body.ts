/**
 * What ingest's body handling costs: `POST /v1/messages`'s body checked (nesting, duplicate keys,
 * unpaired surrogates), parsed for the schema, and `data`'s exact text taken, in µs per body, for
 * a 2 KB and a 1 MB body (median of many runs after a warm-up). CPU only, no I/O.
 *
 * Run: `npx tsx bench/json-body.ts` (BENCH_JSON_RUNS scales the runs). It measures whichever
 * json-body.ts is checked out: with `parseJsonBody` (one scan and one JSON.parse) or, on older
 * code, `parseJsonObject` then `rawPropertyText` (what ingest did before).
 */
import { pathToFileURL } from 'node:url';
import * as jsonBody from '../lambdas/shared/domain/json-body';

/** The `p`th percentile of `values` (nearest rank); harness.ts has the same, but loads the test fixtures. */
const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** One observation of a patient-like record: strings, numbers, a nested code, as FHIR carries them. */
const observation = (n: number) => ({
  resourceType: 'Observation',
  id: `obs-${n}`,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum' }] },
  subject: { reference: `Patient/${1000 + n}` },
  effectiveDateTime: '2026-11-26T10:00:00.000Z',
  valueQuantity: { value: 95.5 + n, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  note: [{ text: 'Fasting sample; “quoted” text with escapes \\ and \n a newline.' }],
});

/** A message body of about `bytes` bytes: `meta` and a bundle of observations as `data`. */
const bodyOf = (bytes: number): string => {
  const wrap = (entries: unknown[]) =>
    JSON.stringify({ meta: { dataModel: 'Bundle', eventType: 'Results' }, data: { entry: entries } });
  const entryBytes = JSON.stringify(observation(0)).length + 1;
  const count = Math.max(1, Math.round((bytes - wrap([]).length) / entryBytes));
  return wrap(Array.from({ length: count }, (_, n) => observation(n)));
};

/** What ingest does with a body: checked and parsed, and `data`'s text taken. */
const handle: (text: string) => unknown =
  'parseJsonBody' in jsonBody
    ? (text) => (jsonBody as { parseJsonBody: typeof jsonBody.parseJsonBody }).parseJsonBody(text).propertyText('data')
    : (text) => {
        jsonBody.parseJsonObject(text);
        return jsonBody.rawPropertyText(text, 'data');
      };

/** The median and p99 (µs) of `runs` handlings of `text`, after `runs / 5` of warm-up. */
const measure = (text: string, runs: number) => {
  for (let i = 0; i < Math.ceil(runs / 5); i++) handle(text);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    handle(text);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
};

/** One body size's figures: µs per body handled, median and p99. */
export interface JsonBodyFigures {
  readonly label: string;
  readonly chars: number;
  readonly runs: number;
  readonly p50: number;
  readonly p99: number;
}

/** The figures for a 2 KB and a 1 MB body; `scale` multiplies the runs (20,000 and 60). */
export const measureJsonBody = (scale = 1): JsonBodyFigures[] =>
  (
    [
      ['2 KB', 2_000, 20_000 * scale],
      ['1 MB', 1_000_000, 60 * scale],
    ] as const
  ).map(([label, bytes, runs]) => {
    const text = bodyOf(bytes);
    return { label, chars: text.length, runs, ...measure(text, runs) };
  });

/** Which body handling was measured. */
export const JSON_BODY_IMPLEMENTATION =
  'parseJsonBody' in jsonBody ? 'one scan + JSON.parse' : 'parseJsonObject + rawPropertyText';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const { label, chars, runs, p50, p99 } of measureJsonBody(Number(process.env.BENCH_JSON_RUNS ?? 1) || 1)) {
    console.log(
      `json-body (${JSON_BODY_IMPLEMENTATION}): ${label} body (${chars} chars): p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs per parse (${runs} runs)`,
    );
  }
}
