/**
 * What the `aws` fidelity mode does to the clients the functions share: DynamoDB and SQS writes
 * now and then applied with their answers lost (the SDK retries them). The mapping stand-in takes
 * the same seeded chance for its delays and throttling.
 */
import type { AwsClients } from '../../lambdas/shared/wiring/clients';
import type { LocalFidelity } from '../local-config';
import { DYNAMODB_WRITE_COMMANDS, loseAnswersOfWrites, SQS_WRITE_COMMANDS } from './lost-answers';
import { seededRandom } from './seeded-random';

/** How often an applied write's answer is lost: often enough that every run meets several. */
export const LOST_ANSWER_PROBABILITY = 0.02;

/** The fidelity mode as the runtime runs it: its chance and what it has done so far. */
export interface AppliedFidelity extends LocalFidelity {
  /** Uniform in [0, 1), seeded; undefined in the default mode. */
  readonly random?: () => number;
  /** Writes whose answers were lost so far, by command. */
  readonly lostAnswers: ReadonlyMap<string, number>;
}

/** Makes `clients` misbehave as the fidelity mode says (nothing in the default mode). */
export const applyFidelity = (fidelity: LocalFidelity, clients: AwsClients): AppliedFidelity => {
  const lostAnswers = new Map<string, number>();
  if (fidelity.mode === 'default') return { ...fidelity, lostAnswers };
  const random = seededRandom(fidelity.seed);
  const onLost = (commandName: string) => lostAnswers.set(commandName, (lostAnswers.get(commandName) ?? 0) + 1);
  loseAnswersOfWrites(clients.documents, {
    random,
    probability: LOST_ANSWER_PROBABILITY,
    writeCommands: DYNAMODB_WRITE_COMMANDS,
    onLost,
  });
  loseAnswersOfWrites(clients.sqs, {
    random,
    probability: LOST_ANSWER_PROBABILITY,
    writeCommands: SQS_WRITE_COMMANDS,
    onLost,
  });
  return { ...fidelity, random, lostAnswers };
};
