/** What the benchmarks share: percentiles, a fixed-latency receiver, and Conveyor's own log volume. */
import { request } from 'undici';
import { interceptOutput } from '../test/fixtures/output';
import { type Receiver, startReceiver } from '../test/fixtures/receiver';

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** A receiver that answers 200 after `latencyMs`, like an endpoint with that processing time. */
export const startSlowReceiver = async (latencyMs: number): Promise<Receiver> => {
  const receiver = await startReceiver();
  receiver.respond = () => ({ status: 200, delayMs: latencyMs });
  return receiver;
};

/**
 * The round trip a client sees to `receiver`: median of sequential POSTs over a kept-alive
 * connection. Call it while no delivery is on its way to `receiver`: it forgets what it received.
 */
export const measureRoundTripMs = async (receiver: Receiver, samples = 40): Promise<number> => {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const { body } = await request(receiver.url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    await body.dump();
    times.push(performance.now() - started);
  }
  receiver.received.length = 0;
  // The probes are not deliveries: what the receiver's contract check says of them is not a finding.
  receiver.violations.length = 0;
  return percentile(times, 50);
};

/**
 * Conveyor's structured log lines (JSON with a `conveyor-*` service, on stdout and, for warnings
 * and errors, stderr) are counted and kept off the console while the benchmarks run: their volume
 * is what CloudWatch Logs would ingest.
 */
export const captureConveyorLogs = () => {
  const counted = { lines: 0, bytes: 0 };
  const { restore } = interceptOutput((text) => {
    if (!text.startsWith('{') || !text.includes('"service":"conveyor-')) return false;
    counted.lines += text.split('\n').filter((line) => line.trim() !== '').length;
    counted.bytes += Buffer.byteLength(text);
    return true;
  });
  return { counted, reset: () => Object.assign(counted, { lines: 0, bytes: 0 }), restore };
};

export type ConveyorLogs = ReturnType<typeof captureConveyorLogs>;
