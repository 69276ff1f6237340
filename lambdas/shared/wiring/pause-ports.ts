import { setTimeout as sleep } from 'node:timers/promises';
import { UndiciDeliverer } from '../adapters/undici-deliverer';
import { boolEnv, intEnv, requireEnv } from '../runtime/env';
import { DEFAULT_PROBE_LADDER_SECONDS, parseLadder } from '../domain/failures';
import type { Log } from '../ports/observe';
import type { Meter } from '../ports/observe';
import type { EventSourceMappings } from '../ports/queues';
import type { PausePorts } from '../pauses/pause-ports';
import { documentClient } from '../adapters/clients';
import { DynamoOutbox } from '../adapters/dynamodb/outbox';
import { DynamoSpill } from '../adapters/dynamodb/spill';
import { storePortsFromEnv } from './store-ports';
import { lazySesMailer } from '../adapters/lazy-adapters';
import { MAX_RETENTION_SECONDS } from '../adapters/sqs-destination-queues';


/** Everything delivery, probing and the operator controls need, configured from the environment. */
export const pausePortsFromEnv = (mappings: EventSourceMappings, log: Log, meter: Meter): PausePorts => ({
  ...storePortsFromEnv(),
  mappings,
  outbox: new DynamoOutbox(documentClient, requireEnv('TABLE_NAME'), () => new Date()),
  mailer: lazySesMailer(requireEnv('ALERT_FROM_ADDRESS')),
  deliverer: new UndiciDeliverer({ allowPrivate: boolEnv('ALLOW_PRIVATE_DESTINATIONS', false) }),
  clock: () => new Date(),
  log,
  meter,
  sleep: (ms: number) => sleep(ms),
  commitGraceMs: intEnv('COMMIT_GRACE_MS', 30_000),
  retryBackoffMs: intEnv('INLINE_RETRY_BACKOFF_MS', 1000),
  retryCapMs: intEnv('INLINE_RETRY_CAP_MS', 5000),
  pauseReleaseSeconds: intEnv('PAUSE_RELEASE_SECONDS', 5),
  spill: new DynamoSpill(documentClient, requireEnv('TABLE_NAME')),
  // Six sevenths of the retention: twelve of SQS's fourteen days, two days to spare.
  spillAfterSeconds: intEnv('SPILL_AFTER_SECONDS', Math.floor((intEnv('QUEUE_RETENTION_SECONDS', MAX_RETENTION_SECONDS) * 6) / 7)),
  probeLadderSeconds: process.env.PROBE_LADDER_SECONDS ? parseLadder(process.env.PROBE_LADDER_SECONDS) : DEFAULT_PROBE_LADDER_SECONDS,
});
