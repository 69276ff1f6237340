import { createHash, randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** The kinds of object Conveyor names, each with its id prefix. */
export const ID_PREFIXES = {
  organization: 'org',
  source: 'src',
  destination: 'dst',
  subscription: 'sub',
  message: 'msg',
  redelivery: 'rdl',
  upload: 'upl',
  // The `webhook-id` of an endpoint-verification challenge (never stored).
  verification: 'verify',
} as const;

/** A kind of object Conveyor names (a key of `ID_PREFIXES`). */
export type IdKind = keyof typeof ID_PREFIXES;

/** A new time-ordered id such as `msg_01JD…`. */
export const newId = (kind: IdKind): string => `${ID_PREFIXES[kind]}_${nextUlid()}`;

/** True when `value` has the shape of an id of that kind (prefix and a 26-character ULID). */
export const isId = (kind: IdKind, value: string): boolean =>
  new RegExp(`^${ID_PREFIXES[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);

/**
 * Transmission ids embed their message id (`trn_<ulid>_<index>`) so a transmission can be found from
 * its id alone without a secondary index.
 */
export const transmissionIdOf = (messageId: string, index: number): string =>
  `trn_${messageId.slice('msg_'.length)}_${index}`;

const TRANSMISSION_ID = /^trn_([0-9A-HJKMNP-TV-Z]{26})_(\d{1,3})$/;

/** The message a transmission id belongs to, or undefined when the id is malformed. */
export const messageIdOfTransmission = (transmissionId: string): string | undefined => {
  const match = TRANSMISSION_ID.exec(transmissionId);
  return match ? `msg_${match[1]}` : undefined;
};

/** The position of a transmission in its message's list (0, 1, ...), or undefined when the id is malformed. */
export const transmissionIndexOf = (transmissionId: string): number | undefined => {
  const match = TRANSMISSION_ID.exec(transmissionId);
  return match ? Number(match[2]) : undefined;
};

/** A transmission as a sequence reservation names it: which one, of which message, which generation (0, or n after n replays). */
export interface ReservedTransmission {
  readonly transmissionId: string;
  readonly messageId: string;
  readonly generation: number;
}

/**
 * The key a delivery's sequence number is reserved under: the transmission, and for a replay its
 * generation (`trn_<ulid>_0#2`), so a replay is a new attempt series with a new number.
 */
export const reservationKeyOf = (transmissionId: string, generation: number): string =>
  generation === 0 ? transmissionId : `${transmissionId}#${generation}`;

/** The transmission a reservation key names (see `reservationKeyOf`); undefined when the key is malformed. */
export const reservedTransmissionOf = (reservationKey: string): ReservedTransmission | undefined => {
  const match = /^([^#]+)(?:#(\d+))?$/.exec(reservationKey);
  const messageId = match ? messageIdOfTransmission(match[1]!) : undefined;
  return match && messageId ? { transmissionId: match[1]!, messageId, generation: Number(match[2] ?? 0) } : undefined;
};

/** A source API key: shown once, stored only as its hash. */
export const newApiKey = (): string => `cvk_${randomBytes(32).toString('base64url')}`;

/** A Standard Webhooks signing secret (`whsec_` + base64 of 32 random bytes). */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * API keys carry 256 bits of entropy, so a fast hash is enough: nothing to brute-force, and the
 * lookup stays a single key-value read.
 */
export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey).digest('hex');
