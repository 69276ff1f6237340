/**
 * Parsers for option values, run by commander as it reads the command line: a wrong value is a
 * usage error (exit 2) naming the option, before any request is sent. Ranges the server owns
 * (a destination's timeout, say) are left to the server, which names the field in its 400.
 */
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max` (inclusive), written in decimal digits. */
export const integerIn =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `Must be a whole number of at least ${min}.`
          : `Must be a whole number from ${min} to ${max}.`,
      );
    }
    return value;
  };

/** The admin API's page size: 1–100 (the contract's `limit`). */
export const pageLimit = integerIn(1, 100);

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

// ISO-8601 as people type it: a date, or a date and time with an optional zone.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A point in time as an ISO-8601 UTC string: either ISO-8601 itself (`2026-11-23`,
 * `2026-11-23T09:00:00Z`; without a zone, UTC) or a duration before `now()` (`90s`, `30m`,
 * `24h`, `7d`, `2w`).
 */
export const pointInTime =
  (now: () => Date) =>
  (text: string): string => {
    const relative = /^(\d+)([smhdw])$/.exec(text);
    if (relative) {
      return new Date(
        now().getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS],
      ).toISOString();
    }
    if (ISO_TIME.test(text)) {
      const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.length > 10;
      const time = Date.parse(hasZone ? text : `${text.replace(' ', 'T')}${text.length === 10 ? 'T00:00:00' : ''}Z`);
      if (!Number.isNaN(time)) return new Date(time).toISOString();
    }
    throw new InvalidArgumentError(
      'Must be an ISO-8601 time (2026-11-23 or 2026-11-23T09:00:00Z) or a time before now such as 30m, 24h or 7d.',
    );
  };

/** A non-empty value (commander accepts `--name ""` otherwise). */
export const nonEmpty = (text: string): string => {
  if (text.trim() === '') throw new InvalidArgumentError('Must not be empty.');
  return text;
};
