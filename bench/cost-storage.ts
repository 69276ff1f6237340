/**
 * What a delivered message leaves in the table: its items, read back from DynamoDB Local with a
 * Scan of the benchmark's own client (not counted), sized by DynamoDB's rules ("Item sizes and
 * formats", DynamoDB developer guide: names and values in UTF-8 bytes, numbers one byte per two
 * significant digits plus one, maps and lists 3 bytes plus one per element) plus the 100 bytes
 * of overhead per item that storage is billed with.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { clientSettings } from '../lambdas/shared/wiring/clients';
import type { LocalConveyor } from '../local/conveyor-local';
import { PRICES } from './prices';

const utf8 = (text: string) => Buffer.byteLength(text);

const numberBytes = (digits: string) => {
  const significant = digits.replace(/^[-+]?0*|\.|e.*$/gi, '').replace(/0+$/, '').length;
  return Math.ceil(Math.max(significant, 1) / 2) + 1;
};

/** Bytes of one attribute value by DynamoDB's rules (without its name). */
export const valueBytes = (value: AttributeValue): number => {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberBytes(entry), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueBytes(entry), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, entry]) => sum + 1 + utf8(name) + valueBytes(entry), 0);
  return 0;
};

/** An item's size as DynamoDB counts it for capacity (without the storage overhead). */
export const itemBytes = (item: Record<string, AttributeValue>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);

/** Items of one family: how many, and their bytes as stored (with the per-item overhead). */
export interface ItemFamily {
  items: number;
  bytes: number;
  storedBytes: number;
}

/**
 * The items that `messageIds` and the arrival log of `destinationId` left in the table, by family:
 * `message` (MSG#/MSG), `attempt` (MSG#/ATT#…), `arrival` (ARR#<destination>), and `idempotency`
 * records are not written without an Idempotency-Key.
 */
export const measureItems = async (
  local: LocalConveyor,
  messageIds: ReadonlySet<string>,
  destinationIds: ReadonlySet<string>,
): Promise<Record<'message' | 'transmission' | 'attempt' | 'arrival', ItemFamily>> => {
  const client = new DynamoDBClient(clientSettings(local.config.clients, 'dynamodb'));
  const families = {
    message: { items: 0, bytes: 0, storedBytes: 0 },
    transmission: { items: 0, bytes: 0, storedBytes: 0 },
    attempt: { items: 0, bytes: 0, storedBytes: 0 },
    arrival: { items: 0, bytes: 0, storedBytes: 0 },
  };
  try {
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: local.config.store.tableName, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        const pk = item.pk?.S ?? '';
        const sk = item.sk?.S ?? '';
        const family =
          pk.startsWith('MSG#') && messageIds.has(pk.slice(4))
            ? sk === 'MSG'
              ? families.message
              : sk.startsWith('TRN#')
                ? families.transmission
                : sk.startsWith('ATT#')
                  ? families.attempt
                  : undefined
            : pk.startsWith('ARR#') && destinationIds.has(pk.slice(4))
              ? families.arrival
              : undefined;
        if (!family) continue;
        const bytes = itemBytes(item);
        family.items++;
        family.bytes += bytes;
        family.storedBytes += bytes + PRICES.dynamoDbItemOverheadBytes;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } finally {
    client.destroy();
  }
  return families;
};
