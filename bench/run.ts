/** `npm run bench`: runs each benchmark on the local stand-ins and prints its figures. */
import { neighbourIsolation } from './neighbour-isolation';

const main = async () => {
  const isolation = await neighbourIsolation();
  console.log(
    `neighbour isolation: ${isolation.messages} messages to a healthy destination took ${isolation.aloneSeconds.toFixed(1)} s alone, ` +
      `${isolation.withPausedNeighbourSeconds.toFixed(1)} s beside a paused neighbour (ratio ${isolation.ratio.toFixed(2)})`,
  );
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
