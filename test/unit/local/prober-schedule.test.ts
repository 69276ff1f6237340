/**
 * The local stand-in for the prober's schedule, driven by Jest's fake timers (which move
 * `Date.now` too) and a prober whose runs end when the test says.
 */
import type { Context } from 'aws-lambda';
import { LOCAL_PROBER_RUN, scheduleProber } from '../../../local/prober-schedule';

interface Run {
  readonly event: unknown;
  readonly context: Context;
  readonly finish: () => void;
  readonly fail: (error: Error) => void;
}

/** A prober whose every run waits for the test to `finish` or `fail` it; counts runs under way at once. */
const controllableProber = () => {
  const runs: Run[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const prober = (event: unknown, context: Context): Promise<unknown> => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    return new Promise<unknown>((resolve, reject) => {
      runs.push({ event, context, finish: () => resolve({ passes: 1 }), fail: reject });
    }).finally(() => running--);
  };
  return { prober, runs, mostAtOnce: () => mostAtOnce };
};

/** Whether `promise` has settled, once every callback already queued has run. */
const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await jest.advanceTimersByTimeAsync(0);
  return done;
};

const INTERVAL = LOCAL_PROBER_RUN.passIntervalMs;

/** What each test scheduled, stopped after it whatever it left running. */
let scheduled: { schedule: { stop: () => Promise<void> }; runs: Run[] } | undefined;

/** Schedules a controllable prober. */
const setUp = () => {
  const fake = controllableProber();
  const schedule = scheduleProber(fake.prober);
  scheduled = { schedule, runs: fake.runs };
  return { ...fake, schedule };
};

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-11-26T10:00:00.000Z') });
});
afterEach(async () => {
  if (scheduled) {
    const stopping = scheduled.schedule.stop();
    for (const run of scheduled.runs) run.finish();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    await stopping;
    scheduled = undefined;
  }
  jest.useRealTimers();
});

it('starts the first run one interval after it is scheduled, not at once', async () => {
  const { runs } = setUp();

  await jest.advanceTimersByTimeAsync(INTERVAL - 1);
  const before = runs.length;
  await jest.advanceTimersByTimeAsync(1);

  expect([before, runs.length]).toEqual([0, 1]);
});

it("gives each run an empty event and a context with the deployed prober's 90 s", async () => {
  const { runs } = setUp();

  await jest.advanceTimersByTimeAsync(INTERVAL);

  expect(runs[0]!.event).toEqual({});
  expect(runs[0]!.context.functionName).toBe('conveyor-prober');
  expect(runs[0]!.context.getRemainingTimeInMillis()).toBe(90_000);
});

it('never starts a run while one is under way, however long it takes', async () => {
  const { runs, mostAtOnce } = setUp();
  await jest.advanceTimersByTimeAsync(INTERVAL);

  // Act: the first run outlasts many intervals.
  await jest.advanceTimersByTimeAsync(30 * INTERVAL);
  const whileRunning = runs.length;
  runs[0]!.finish();
  await jest.advanceTimersByTimeAsync(0);

  // Assess: the next starts at once after it, an interval having long passed since it started.
  expect([whileRunning, runs.length, mostAtOnce()]).toEqual([1, 2, 1]);
});

it('starts the next run one interval after the last one started when that one ended early', async () => {
  const { runs } = setUp();
  await jest.advanceTimersByTimeAsync(INTERVAL);

  await jest.advanceTimersByTimeAsync(300);
  runs[0]!.finish();
  await jest.advanceTimersByTimeAsync(INTERVAL - 300 - 1);
  const justBefore = runs.length;
  await jest.advanceTimersByTimeAsync(1);

  expect([justBefore, runs.length]).toEqual([1, 2]);
});

it('goes on with the next run after a run that failed', async () => {
  const { runs } = setUp();
  await jest.advanceTimersByTimeAsync(INTERVAL);

  runs[0]!.fail(new Error('DynamoDB Local went away'));
  await jest.advanceTimersByTimeAsync(INTERVAL);

  expect(runs).toHaveLength(2);
});

it('stop waits for the run under way, then no other run starts', async () => {
  const { runs, schedule } = setUp();
  await jest.advanceTimersByTimeAsync(INTERVAL);

  const stopping = schedule.stop();
  const stoppedWhileRunning = await settled(stopping);
  runs[0]!.finish();
  // The loop rests out what is left of the interval before it sees the stop.
  await jest.advanceTimersByTimeAsync(INTERVAL);
  const stoppedOnceEnded = await settled(stopping);
  await jest.advanceTimersByTimeAsync(10 * INTERVAL);

  expect([stoppedWhileRunning, stoppedOnceEnded, runs.length]).toEqual([false, true, 1]);
});

it('stop between runs ends the wait for the next at once, and it never starts', async () => {
  const { runs, schedule } = setUp();
  await jest.advanceTimersByTimeAsync(INTERVAL);
  runs[0]!.finish();
  await jest.advanceTimersByTimeAsync(0);

  const stopped = await settled(schedule.stop());
  await jest.advanceTimersByTimeAsync(10 * INTERVAL);

  expect([stopped, runs.length, jest.getTimerCount()]).toEqual([true, 1, 0]);
});

it('stop before the first run means no run at all', async () => {
  const { runs, schedule } = setUp();

  const stopped = await settled(schedule.stop());
  await jest.advanceTimersByTimeAsync(10 * INTERVAL);

  expect([stopped, runs.length, jest.getTimerCount()]).toEqual([true, 0, 0]);
});
