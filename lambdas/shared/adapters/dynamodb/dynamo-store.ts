/**
 * The Directory and MessageStore ports over one DynamoDB table (partition key `pk`, sort key `sk`,
 * TTL attribute `expiresAt`). Item layout:
 *
 *   ORG#<id>         ORG            organization
 *   SRC#<id>         SRC            source
 *   SRC#<id>         SUB#<subId>    subscription of that source (routing reads them in one query)
 *   APIKEY#<sha256>  APIKEY         the source the key belongs to (copied, so auth is one read)
 *   DST#<id>         DST            destination, its queue and mapping, its sequence counter
 *   MSG#<id>         MSG            message with its transmissions as a map; or an abandoned tombstone
 *   IDEM#<src>#<h>   IDEM           idempotency record of one (source, Idempotency-Key)
 *   ARR#<dstId>      <sequence>     arrival log of a destination, in delivery order
 *   PAUSED           <dstId>        the set of paused destinations (the prober's worklist)
 *   OUTBOX           <time>#<id>    alert emails not yet sent
 *   PARK#<trnId>     PARK           a skipped transmission's queue entry (gzip), kept for replay
 *   SPILL#<dstId>    <pos>#<chunk>  queue entries of a long-paused destination, in queue order (gzip,
 *                                   split into chunks under DynamoDB's 400 KB item limit)
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  DeleteCommand,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type {
  AcceptedMessage,
  Arrival,
  Destination,
  DestinationStatus,
  Message,
  Organization,
  OutboxEmail,
  Pause,
  Source,
  Subscription,
  Transmission,
  TransmissionStatus,
} from '../../domain/model';
import { type Directory, type ApiKeyHolder } from '../../ports/directory';
import { type Outbox } from '../../ports/alerts';
import { type IdempotencyClaim, type IdempotencyRequest, MessageAbandonedError, type MessageStore } from '../../ports/messages';
import type { DestinationState, PauseChange } from '../../ports/destination-state';
import { type Spill, type SpilledEntry } from '../../ports/spill';

const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
const TOMBSTONE_SECONDS = 7 * 24 * 60 * 60;
const SEQUENCE_DIGITS = 12;

type Item = Record<string, unknown>;

const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
};

const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

/** A transaction refused because its first item's condition failed (the others are consequences). */
const isFirstConditionFailure = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

/**
 * Runs a conditional write: true when it was applied, false when its condition did not hold (for a
 * transaction, the condition on its first item); any other failure is thrown.
 */
const conditionHeld = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error) || isFirstConditionFailure(error)) return false;
    throw error;
  }
};

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A destination item without the sequence counter and head lease, which only their owners read. */
const toDestination = (item: Item): Destination => {
  const { lastSequence: _lastSequence, sequenceHolder: _sequenceHolder, headHolder: _headHolder, headHeldUntil: _headHeldUntil, ...destination } = item;
  const stored = strip<Destination>(destination)!;
  // Destinations registered before inline retries were configurable get the default.
  return { ...stored, inlineRetries: stored.inlineRetries ?? 2 };
};

const outboxItem = (email: OutboxEmail): Item => ({ pk: 'OUTBOX', sk: `${email.createdAt}#${email.id}`, ...email });

/** Alert emails written with the state change that causes them. */
export class DynamoOutbox implements Outbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<OutboxEmail[]> {
    const result = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'OUTBOX' }, ConsistentRead: true, Limit: 100 }),
    );
    return (result.Items ?? []).map((item) => {
      const { claimedUntil: _claimedUntil, ...email } = strip<OutboxEmail & { claimedUntil?: number }>(item)!;
      return email;
    });
  }

  async claim(email: OutboxEmail, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: 'OUTBOX', sk: `${email.createdAt}#${email.id}` },
          UpdateExpression: 'SET claimedUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
        }),
      ),
    );
  }

  async remove(email: OutboxEmail): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: 'OUTBOX', sk: `${email.createdAt}#${email.id}` } }));
  }
}

/** Directory of organizations, sources, destinations and subscriptions. */
export class DynamoDirectory implements Directory, DestinationState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putOrganization(organization: Organization): Promise<void> {
    await this.put({ pk: `ORG#${organization.id}`, sk: 'ORG', ...organization });
  }

  async getOrganization(id: string): Promise<Organization | undefined> {
    return strip(await this.get(`ORG#${id}`, 'ORG'));
  }

  async putSource(source: Source, apiKeyHash: string): Promise<void> {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: this.tableName, Item: { pk: `SRC#${source.id}`, sk: 'SRC', ...source, currentKeyHash: apiKeyHash }, ConditionExpression: 'attribute_not_exists(pk)' },
          },
          { Put: { TableName: this.tableName, Item: { pk: `APIKEY#${apiKeyHash}`, sk: 'APIKEY', ...source }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  async getSource(id: string): Promise<Source | undefined> {
    const { currentKeyHash: _currentKeyHash, ...source } = strip<Source & { currentKeyHash?: string }>(await this.get(`SRC#${id}`, 'SRC')) ?? {};
    return 'id' in source ? (source as Source) : undefined;
  }

  async findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    const item = strip<Source & { validUntil?: string; expiresAt?: number }>(await this.get(`APIKEY#${apiKeyHash}`, 'APIKEY'));
    if (!item) return undefined;
    const { validUntil, expiresAt: _expiresAt, ...source } = item;
    return { source, ...(validUntil ? { validUntil } : {}) };
  }

  async rotateSourceKey(sourceId: string, newApiKeyHash: string, previousValidUntil: string): Promise<'rotated' | 'source_not_found' | 'conflict'> {
    const current = await this.get(`SRC#${sourceId}`, 'SRC');
    if (!current) return 'source_not_found';
    const { currentKeyHash, ...rest } = strip<Source & { currentKeyHash?: string }>(current)!;
    const source: Source = { id: rest.id, organizationId: rest.organizationId, name: rest.name, createdAt: rest.createdAt };
    // The replaced key's record goes a week after it stops working (TTL); until then it answers 401 as expired.
    const expiresAt = epochSeconds(new Date(previousValidUntil)) + 7 * 24 * 60 * 60;
    const applied = await conditionHeld(
      this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // A concurrent rotation changed the current key first: this one is refused, not merged.
              Update: {
                TableName: this.tableName,
                Key: { pk: `SRC#${sourceId}`, sk: 'SRC' },
                UpdateExpression: 'SET currentKeyHash = :new',
                ConditionExpression: currentKeyHash ? 'currentKeyHash = :old' : 'attribute_not_exists(currentKeyHash)',
                ExpressionAttributeValues: { ':new': newApiKeyHash, ...(currentKeyHash ? { ':old': currentKeyHash } : {}) },
              },
            },
            { Put: { TableName: this.tableName, Item: { pk: `APIKEY#${newApiKeyHash}`, sk: 'APIKEY', ...source }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ...(currentKeyHash
              ? [
                  {
                    Update: {
                      TableName: this.tableName,
                      Key: { pk: `APIKEY#${currentKeyHash}`, sk: 'APIKEY' },
                      UpdateExpression: 'SET validUntil = :until, expiresAt = :expiresAt',
                      ConditionExpression: 'attribute_exists(pk)',
                      ExpressionAttributeValues: { ':until': previousValidUntil, ':expiresAt': expiresAt },
                    },
                  },
                ]
              : []),
          ],
        }),
      ),
    );
    return applied ? 'rotated' : 'conflict';
  }

  async putDestination(destination: Destination): Promise<void> {
    await this.put({ pk: `DST#${destination.id}`, sk: 'DST', ...destination, lastSequence: 0 });
  }

  async getDestination(id: string): Promise<Destination | undefined> {
    const item = await this.get(`DST#${id}`, 'DST');
    return item && toDestination(item);
  }

  async markDestinationProvisioned(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<Destination> {
    const updated = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `DST#${id}`, sk: 'DST' },
        UpdateExpression: 'SET queueUrl = :queueUrl, queueArn = :queueArn, mappingId = :mappingId, #status = :active',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':queueUrl': provisioned.queueUrl, ':queueArn': provisioned.queueArn, ':mappingId': provisioned.mappingId, ':active': 'active' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toDestination(updated.Attributes!);
  }

  async putSubscription(subscription: Subscription): Promise<void> {
    await this.put({ pk: `SRC#${subscription.sourceId}`, sk: `SUB#${subscription.id}`, ...subscription });
  }

  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    return (await this.queryAll(`SRC#${sourceId}`, 'SUB#')).map((item) => strip<Subscription>(item)!);
  }

  async recordPause(destinationId: string, pause: Pause, alert: OutboxEmail): Promise<boolean> {
    return this.changeStatus(destinationId, { from: 'active', to: 'paused', pause }, [
      { Put: { TableName: this.tableName, Item: { pk: 'PAUSED', sk: destinationId } } },
      { Put: { TableName: this.tableName, Item: outboxItem(alert) } },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: `MSG#${pause.headMessageId}`, sk: 'MSG' },
          UpdateExpression: 'SET transmissions.#t.#status = :paused',
          ConditionExpression: 'attribute_exists(transmissions.#t)',
          ExpressionAttributeNames: { '#t': pause.headTransmissionId, '#status': 'status' },
          ExpressionAttributeValues: { ':paused': 'paused' },
        },
      },
    ]);
  }

  async recordPauseChange(destinationId: string, change: PauseChange): Promise<void> {
    const entries = Object.entries(change).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    // A condition failure means it resumed meanwhile: nothing to update.
    await this.updateDestinationIf(destinationId, {
      UpdateExpression: `SET ${entries.map(([name]) => `#pause.#${name} = :${name}`).join(', ')}`,
      ConditionExpression: '#status = :paused',
      ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause', ...Object.fromEntries(entries.map(([name]) => [`#${name}`, name])) },
      ExpressionAttributeValues: { ':paused': 'paused', ...Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])) },
    });
  }

  async holdHead(destinationId: string, holder: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    return this.updateDestinationIf(destinationId, {
      UpdateExpression: 'SET headHolder = :holder, headHeldUntil = :until',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(headHeldUntil) OR headHeldUntil < :now OR headHolder = :holder)',
      ExpressionAttributeValues: { ':holder': holder, ':until': now + leaseMs, ':now': now },
    });
  }

  async releaseHead(destinationId: string, holder: string): Promise<void> {
    await this.updateDestinationIf(destinationId, {
      UpdateExpression: 'REMOVE headHolder, headHeldUntil',
      ConditionExpression: 'headHolder = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    });
  }

  /** A conditional update of a destination's item: true when applied, false when its condition did not hold. */
  private updateDestinationIf(destinationId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
    return conditionHeld(this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { pk: `DST#${destinationId}`, sk: 'DST' }, ...update })));
  }

  async recordResume(destinationId: string, alert: OutboxEmail): Promise<boolean> {
    return this.changeStatus(destinationId, { from: 'paused', to: 'active' }, [
      { Delete: { TableName: this.tableName, Key: { pk: 'PAUSED', sk: destinationId } } },
      { Put: { TableName: this.tableName, Item: outboxItem(alert) } },
    ]);
  }

  /**
   * Moves a destination from one status to another (setting or clearing its pause) together with
   * the writes that belong to the change, all or nothing. False when it was not in `from`.
   */
  private async changeStatus(
    destinationId: string,
    change: { from: DestinationStatus; to: DestinationStatus; pause?: Pause },
    alongside: NonNullable<TransactWriteCommandInput['TransactItems']>,
  ): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: `DST#${destinationId}`, sk: 'DST' },
                UpdateExpression: change.pause ? 'SET #status = :to, #pause = :pause' : 'SET #status = :to REMOVE #pause',
                ConditionExpression: '#status = :from',
                ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause' },
                ExpressionAttributeValues: { ':from': change.from, ':to': change.to, ...(change.pause ? { ':pause': change.pause } : {}) },
              },
            },
            ...alongside,
          ],
        }),
      ),
    );
  }

  async listPausedDestinations(): Promise<Destination[]> {
    const ids = (await this.queryAll('PAUSED')).map((item) => item.sk as string);
    const destinations = await Promise.all(ids.map((id) => this.getDestination(id)));
    return destinations.filter((destination): destination is Destination => destination?.status === 'paused');
  }

  /** Every item of a partition (whose sort key starts with `skPrefix`, when given), page by page. */
  private async queryAll(pk: string, skPrefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix === undefined ? {} : { ':prefix': skPrefix }) },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    return result.Item;
  }
}

/** Under DynamoDB's 400 KB item limit with room for the keys and attributes. */
const SPILL_CHUNK_BYTES = 350_000;
/** SQS sequence numbers are up to 128-bit decimals: padded, they sort as numbers. */
const POSITION_DIGITS = 40;

/**
 * The spill: queue entries of a long-paused destination, moved here before SQS's retention would
 * drop them. Each entry is gzipped and split into chunks written in one transaction with the
 * destination's `spilled` count, so an entry is kept whole, exactly once, or not at all.
 */
export class DynamoSpill implements Spill {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async keep(destinationId: string, entry: SpilledEntry): Promise<boolean> {
    const compressed = gzipSync(entry.body);
    const chunks: Uint8Array[] = [];
    for (let start = 0; start === 0 || start < compressed.length; start += SPILL_CHUNK_BYTES) chunks.push(compressed.subarray(start, start + SPILL_CHUNK_BYTES));
    const prefix = this.positionKey(entry.position);
    return conditionHeld(
      this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...chunks.map((data, index) => ({
              Put: {
                TableName: this.tableName,
                Item: { pk: `SPILL#${destinationId}`, sk: `${prefix}#${String(index).padStart(3, '0')}`, position: entry.position, sentAt: entry.sentAt, chunks: chunks.length, data },
                // On the first chunk: an entry moved twice (the mover died before deleting it from the queue) is kept once.
                ...(index === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
              },
            })),
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: `DST#${destinationId}`, sk: 'DST' },
                UpdateExpression: 'ADD spilled :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      ),
    );
  }

  async first(destinationId: string): Promise<SpilledEntry | undefined> {
    const head = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SPILL#${destinationId}` }, ConsistentRead: true, Limit: 1 }),
    );
    const firstChunk = head.Items?.[0];
    if (!firstChunk) return undefined;
    const parts = firstChunk.chunks === 1 ? [firstChunk] : await this.chunksOf(destinationId, firstChunk.position as string);
    return {
      position: firstChunk.position as string,
      sentAt: firstChunk.sentAt as string,
      body: gunzipSync(Buffer.concat(parts.map((part) => part.data as Uint8Array))).toString('utf8'),
    };
  }

  async remove(destinationId: string, position: string): Promise<void> {
    const parts = await this.chunksOf(destinationId, position);
    if (parts.length === 0) return;
    await conditionHeld(
      this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...parts.map((part, index) => ({
              Delete: {
                TableName: this.tableName,
                Key: { pk: part.pk, sk: part.sk },
                ...(index === 0 ? { ConditionExpression: 'attribute_exists(pk)' } : {}),
              },
            })),
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: `DST#${destinationId}`, sk: 'DST' },
                UpdateExpression: 'ADD spilled :minusOne',
                ExpressionAttributeValues: { ':minusOne': -1 },
              },
            },
          ],
        }),
      ),
    );
  }

  private async chunksOf(destinationId: string, position: string): Promise<Item[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `SPILL#${destinationId}`, ':prefix': `${this.positionKey(position)}#` },
        ConsistentRead: true,
      }),
    );
    return result.Items ?? [];
  }

  private positionKey(position: string): string {
    return position.padStart(POSITION_DIGITS, '0');
  }
}

interface StoredTransmission {
  destinationId: string;
  index: number;
  status: Transmission['status'];
  attempts: number;
  sequence?: number;
  arrivedAt?: string;
  lastError?: string;
  generation?: number;
}

interface StoredMessage {
  state: 'committed' | 'abandoned';
  id: string;
  sourceId: string;
  organizationId: string;
  receivedAt: string;
  dataModel: string;
  eventType: string;
  transmissions: Record<string, StoredTransmission>;
}

/** A stored message as the use cases see it, or the tombstone of an abandoned one. */
const toMessage = (item: StoredMessage): Message | 'abandoned' => {
  if (item.state === 'abandoned') return 'abandoned';
  const transmissions = Object.entries(item.transmissions)
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([id, { index: _index, ...transmission }]) => ({ id, ...transmission }));
  return {
    id: item.id,
    sourceId: item.sourceId,
    organizationId: item.organizationId,
    receivedAt: item.receivedAt,
    dataModel: item.dataModel,
    eventType: item.eventType,
    transmissions,
  };
};

/** Messages, transmissions, idempotency records and arrival logs. */
export class DynamoMessageStore implements MessageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim> {
    const now = this.clock();
    const claimed = await conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.idempotencyKey(request),
            state: 'pending',
            messageId: request.messageId,
            requestHash: request.requestHash,
            leaseUntil: now.getTime() + request.leaseMs,
            expiresAt: epochSeconds(now) + IDEMPOTENCY_WINDOW_SECONDS,
          },
          // Free, or a pending claim whose lease ran out, or a record past its window not yet swept by TTL.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :pending AND leaseUntil < :now) OR expiresAt < :nowSeconds',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now.getTime(), ':nowSeconds': epochSeconds(now) },
        }),
      ),
    );
    if (claimed) return { outcome: 'claimed' };
    const existing = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.idempotencyKey(request), ConsistentRead: true }),
    );
    const item = existing.Item;
    if (item?.state === 'committed') {
      return { outcome: 'answered', requestHash: item.requestHash as string, answer: item.answer as AcceptedMessage };
    }
    return { outcome: 'in_progress' };
  }

  async releaseIdempotencyKey(request: IdempotencyRequest): Promise<void> {
    // A condition failure means another request holds or committed the key: leave it.
    await conditionHeld(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.idempotencyKey(request),
          ConditionExpression: 'messageId = :messageId AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':messageId': request.messageId, ':pending': 'pending' },
        }),
      ),
    );
  }

  async commitMessage(message: Message, idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage }): Promise<void> {
    const stored: StoredMessage = {
      state: 'committed',
      id: message.id,
      sourceId: message.sourceId,
      organizationId: message.organizationId,
      receivedAt: message.receivedAt,
      dataModel: message.dataModel,
      eventType: message.eventType,
      transmissions: Object.fromEntries(
        message.transmissions.map((transmission, index) => [
          transmission.id,
          { destinationId: transmission.destinationId, index, status: transmission.status, attempts: transmission.attempts },
        ]),
      ),
    };
    const putMessage = {
      TableName: this.tableName,
      Item: { pk: `MSG#${message.id}`, sk: 'MSG', ...stored },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    const write = !idempotency
      ? this.client.send(new PutCommand(putMessage))
      : this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: putMessage },
              {
                Update: {
                  TableName: this.tableName,
                  Key: this.idempotencyKey(idempotency.request),
                  UpdateExpression: 'SET #state = :committed, answer = :answer REMOVE leaseUntil',
                  ConditionExpression: 'messageId = :messageId',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: { ':committed': 'committed', ':answer': idempotency.answer, ':messageId': message.id },
                },
              },
            ],
          }),
        );
    // The message item comes first: its condition fails only when delivery abandoned the message.
    if (!(await conditionHeld(write))) throw new MessageAbandonedError(message.id);
  }

  async abandonMessage(messageId: string): Promise<boolean> {
    const tombstoned = await conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `MSG#${messageId}`, sk: 'MSG', state: 'abandoned', id: messageId, expiresAt: epochSeconds(this.clock()) + TOMBSTONE_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return tombstoned || (await this.getMessage(messageId)) === 'abandoned';
  }

  async getMessage(messageId: string): Promise<Message | 'abandoned' | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `MSG#${messageId}`, sk: 'MSG' }, ConsistentRead: true }),
    );
    return result.Item && toMessage(result.Item as StoredMessage);
  }

  async getMessages(messageIds: readonly string[]): Promise<Map<string, Message | 'abandoned'>> {
    const found = new Map<string, Message | 'abandoned'>();
    let keys: Item[] = [...new Set(messageIds)].map((id) => ({ pk: `MSG#${id}`, sk: 'MSG' }));
    // BatchGetItem takes 100 keys, and may hand some back unprocessed under load: ask again for those.
    for (let round = 0; keys.length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
      const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys.slice(0, 100), ConsistentRead: true } } }));
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const stored = item as StoredMessage;
        found.set(stored.id, toMessage(stored));
      }
      keys = [...(result.UnprocessedKeys?.[this.tableName]?.Keys ?? []), ...keys.slice(100)];
    }
    return found;
  }

  async reserveSequence(destinationId: string, reservationKey: string): Promise<number> {
    const key = { pk: `DST#${destinationId}`, sk: 'DST' };
    try {
      // The destination remembers which transmission holds its latest number, so a retry after a
      // failure or a crash gets the same number back and numbers stay contiguous.
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET lastSequence = lastSequence + :one, sequenceHolder = :transmissionId',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sequenceHolder) OR sequenceHolder <> :transmissionId)',
          ExpressionAttributeValues: { ':one': 1, ':transmissionId': reservationKey },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return result.Attributes!.lastSequence as number;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const current = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (current.Item?.sequenceHolder !== reservationKey) throw new Error(`Destination ${destinationId} does not exist`);
    return current.Item.lastSequence as number;
  }

  async setTransmissionStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `MSG#${messageId}`, sk: 'MSG' },
          UpdateExpression: 'SET transmissions.#t.#status = :status',
          ConditionExpression: `transmissions.#t.#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ...Object.fromEntries(from.map((value, index) => [`:from${index}`, value])) },
        }),
      ),
    );
  }

  async park(transmissionId: string, destinationId: string, envelope: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `PARK#${transmissionId}`, sk: 'PARK', destinationId, envelope: gzipSync(envelope) },
      }),
    );
  }

  async getParked(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `PARK#${transmissionId}`, sk: 'PARK' }, ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    return { destinationId: result.Item.destinationId as string, envelope: gunzipSync(result.Item.envelope as Uint8Array).toString('utf8') };
  }

  async removeParked(transmissionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `PARK#${transmissionId}`, sk: 'PARK' } }));
  }

  async prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `MSG#${messageId}`, sk: 'MSG' },
          UpdateExpression:
            'SET transmissions.#t.#status = :queued, transmissions.#t.generation = if_not_exists(transmissions.#t.generation, :zero) + :one REMOVE transmissions.#t.#sequence, transmissions.#t.arrivedAt',
          ConditionExpression: 'transmissions.#t.#status = :skipped',
          ExpressionAttributeNames: { '#t': transmissionId, '#status': 'status', '#sequence': 'sequence' },
          ExpressionAttributeValues: { ':queued': 'queued', ':skipped': 'skipped', ':zero': 0, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (result.Attributes?.transmissions as Record<string, StoredTransmission>)[transmissionId]!.generation;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordFailedAttempt(messageId: string, transmissionId: string, error: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `MSG#${messageId}`, sk: 'MSG' },
        UpdateExpression: 'SET transmissions.#t.attempts = transmissions.#t.attempts + :one, transmissions.#t.lastError = :error',
        ConditionExpression: 'attribute_exists(transmissions.#t)',
        ExpressionAttributeNames: { '#t': transmissionId },
        ExpressionAttributeValues: { ':one': 1, ':error': error },
      }),
    );
  }

  async recordArrival(arrival: Arrival & { destinationId: string }): Promise<void> {
    const { destinationId, ...logged } = arrival;
    // Both writes at once: the next delivery waits for them. The log entry is keyed by sequence, so
    // recording an arrival again overwrites rather than duplicates it; and if only the message's
    // update landed, delivery records the arrival again when the entry comes back as a duplicate.
    const logEntry = this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `ARR#${destinationId}`, sk: String(arrival.sequence).padStart(SEQUENCE_DIGITS, '0'), ...logged },
      }),
    );
    const messageUpdate = this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `MSG#${arrival.messageId}`, sk: 'MSG' },
        UpdateExpression:
          'SET transmissions.#t.#status = :delivered, transmissions.#t.arrivedAt = :arrivedAt, transmissions.#t.#sequence = :sequence, transmissions.#t.attempts = :attempts REMOVE transmissions.#t.lastError',
        ConditionExpression: 'attribute_exists(transmissions.#t)',
        ExpressionAttributeNames: { '#t': arrival.transmissionId, '#status': 'status', '#sequence': 'sequence' },
        ExpressionAttributeValues: { ':delivered': 'delivered', ':arrivedAt': arrival.arrivedAt, ':sequence': arrival.sequence, ':attempts': arrival.attempts },
      }),
    );
    await Promise.all([logEntry, messageUpdate]);
  }

  async listArrivals(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ARR#${destinationId}` },
        Limit: limit,
        ExclusiveStartKey: cursor === undefined ? undefined : { pk: `ARR#${destinationId}`, sk: cursor },
      }),
    );
    const items = (result.Items ?? []).map((item) => strip<Arrival>(item)!);
    const last = result.LastEvaluatedKey?.sk as string | undefined;
    return last === undefined ? { items } : { items, cursor: last };
  }

  private idempotencyKey(request: IdempotencyRequest) {
    const keyHash = createHash('sha256').update(request.key).digest('hex');
    return { pk: `IDEM#${request.sourceId}#${keyHash}`, sk: 'IDEM' };
  }
}
