/**
 * Idempotency records: one per (source, Idempotency-Key), so a sender's retry gets the first
 * answer back instead of a second message.
 */
import { type DynamoDBDocumentClient, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AcceptedMessage } from '../../domain/model';
import type { IdempotencyClaim, IdempotencyRequest } from '../../ports/messages';
import type { Clock } from '../../ports/observe';
import { idempotencyKey } from './keys';
import {
  conditionHeld,
  epochSeconds,
  isConditionFailure,
  type Item,
  refusalsOf,
  returnFoundItem,
  type Table,
} from './table';

/** How long a key keeps its answer (the `expiresAt` TTL of the record). */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

/*
 * A record is `pending` from its claim (with a lease, `leaseUntil`, epoch ms) until the message is
 * committed, then `committed` with the answer until `expiresAt` (epoch s). A claim may take the key
 * when there is no record, when a pending claim's lease ran out (its request died), or when the
 * record is past its window but not yet swept by TTL:
 *
 *   claim ── pending (leaseUntil) ──► commit ── committed (answer) ──────► expiresAt ─ ─ TTL sweep
 *            └ lease expired: claimable            retries get the answer      claimable
 */
const idempotencyKeyDoesNotExist = 'attribute_not_exists(pk)';
const pendingLeaseExpired = '(#state = :pending AND leaseUntil < :now)';
const idempotencyKeyExpired = 'expiresAt < :nowSeconds';
// The commit: only the claim made for the message commits it, once.
const claimedForMessage = 'messageId = :messageId';
const stillPending = '#state = :pending';

/*
 * What a refused claim or commit found is its own earlier write (applied, its answer lost) when
 * it holds the request's message id, which is unique:
 *   claim  ── finds the record pending for its message   ──► claimed
 *   commit ── finds the record committed for its message ──► committed
 */
const isPendingFor = (found: Item | undefined, messageId: string) =>
  found?.state === 'pending' && found.messageId === messageId;

/** True when `found`, the idempotency record a refused commit found, was committed for `messageId`. */
export const isCommittedFor = (found: Item | undefined, messageId: string): boolean =>
  found?.state === 'committed' && found.messageId === messageId;

const keyOf = (request: IdempotencyRequest) => idempotencyKey(request.sourceId, request.key);

/**
 * The write that records the answer for a key, for the transaction that commits message
 * `messageId` (`DynamoMessageStore.commitMessage`): only a pending claim made for that message may
 * commit it. Refused, it returns the record it found (`isCommittedFor` tells a retry's own commit).
 */
export const idempotencyCommitUpdate = (
  tableName: string,
  request: IdempotencyRequest,
  answer: AcceptedMessage,
  messageId: string,
) => ({
  Update: {
    TableName: tableName,
    Key: keyOf(request),
    UpdateExpression: 'SET #state = :committed, answer = :answer REMOVE leaseUntil',
    ConditionExpression: `${claimedForMessage} AND ${stillPending}`,
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':committed': 'committed',
      ':answer': answer,
      ':messageId': messageId,
      ':pending': 'pending',
    },
    ...returnFoundItem,
  },
});

/** Claims and releases of idempotency keys (their commit goes with the message: `idempotencyCommitUpdate`). */
export class DynamoIdempotency {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time leases (epoch ms) and the window (epoch s) are measured against
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /**
   * Takes the key for `request.leaseMs` (ms): `claimed`, also when the record found is this
   * request's own pending claim (an earlier attempt was applied and its answer lost); or, when
   * another request holds the key, `answered` with the committed answer (and the hash of the
   * request that got it), or `in_progress` while its claim is pending. The record comes from the
   * refusal itself (ALL_OLD), with no second read.
   * @throws the SDK's error when DynamoDB fails otherwise
   */
  async claim(request: IdempotencyRequest): Promise<IdempotencyClaim> {
    const { client, tableName } = this.table;
    const now = this.clock();
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keyOf(request),
            state: 'pending',
            messageId: request.messageId,
            requestHash: request.requestHash,
            leaseUntil: now.getTime() + request.leaseMs,
            expiresAt: epochSeconds(now) + IDEMPOTENCY_WINDOW_SECONDS,
          },
          ConditionExpression: `${idempotencyKeyDoesNotExist} OR ${pendingLeaseExpired} OR ${idempotencyKeyExpired}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now.getTime(), ':nowSeconds': epochSeconds(now) },
          ...returnFoundItem,
        }),
      );
      return { outcome: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const found = refusalsOf(error)?.[0]?.found;
      if (isPendingFor(found, request.messageId)) return { outcome: 'claimed' };
      if (found?.state === 'committed') {
        return {
          outcome: 'answered',
          requestHash: found.requestHash as string,
          answer: found.answer as AcceptedMessage,
        };
      }
      return { outcome: 'in_progress' };
    }
  }

  /**
   * Gives up a pending claim of this request's message; leaves a key another request holds or
   * committed. A retry of an applied release finds no claim and leaves it: safe to repeat.
   */
  async release(request: IdempotencyRequest): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: keyOf(request),
          ConditionExpression: `${claimedForMessage} AND ${stillPending}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':messageId': request.messageId, ':pending': 'pending' },
        }),
      ),
    );
  }
}
