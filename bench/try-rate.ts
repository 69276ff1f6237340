import { startTestConveyor } from '/work/main/test/fixtures/conveyor';
import { measureOrderedRate } from '/work/main/bench/ordered-rate';
const conveyor = await startTestConveyor({});
try {
  console.log(await measureOrderedRate(conveyor, 100));
  console.log(await measureOrderedRate(conveyor, 400));
} finally {
  await conveyor.stop();
}
process.exit(0);
