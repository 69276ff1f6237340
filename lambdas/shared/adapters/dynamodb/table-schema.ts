/**
 * The key schema of Conveyor's one table, shared by the CDK construct and the local runtime so the
 * two never drift apart.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
} as const;
