import { type Node, parseTree } from 'jsonc-parser';
import { invalidJson, invalidRequest } from './errors';

/**
 * The contract refuses JSON nested deeper than this many levels: a message's `data` (inline or
 * uploaded) may itself be this deep, each `{` or `[` opening a level (`[[1]]` is 2 deep).
 */
export const MAX_JSON_DEPTH = 64;

/** Where a text first nests too deep: the `{` or `[` past the limit, and the top-level key it lies under. */
export interface TooDeep {
  /** The offset (UTF-16 code units) of the `{` or `[` that opens one level too many. */
  readonly offset: number;
  /** The key of the top-level object's member it lies in (escapes resolved); absent when the top level is no object. */
  readonly topLevelKey?: string;
}

/** The text of a JSON string token (`[start, end)`, quotes included) with its escapes resolved; undefined when it is no valid string. */
const stringAt = (text: string, start: number, end: number): string | undefined => {
  const token = text.slice(start, end);
  if (token.indexOf('\\') < 0) return token.slice(1, -1);
  try {
    return JSON.parse(token) as string;
  } catch {
    return undefined;
  }
};

/**
 * The offset of the quote that closes the string opened at `start`, or -1 when none does: the next
 * quote not escaped (preceded by an even run of backslashes), found by `indexOf`, which skips a
 * string's content far faster than a loop over its characters.
 */
const closingQuote = (text: string, start: number): number => {
  for (let from = start + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslash = quote - 1;
    while (backslash > start && text.charCodeAt(backslash) === 0x5c) backslash--;
    if ((quote - 1 - backslash) % 2 === 0) return quote;
    from = quote + 1;
  }
};

/** What one scan of a text finds (see `scanJson`). */
interface JsonScan {
  /** Where the text first nests too deep; when set, the rest of the text was not scanned. */
  readonly tooDeep?: TooDeep;
  /** True when some object of the text has a key twice (meaningful only for text JSON.parse accepts). */
  readonly duplicateKey: boolean;
  /** Each top-level property's value as `[start, end)` offsets, keyed by its name (escapes resolved). */
  readonly members: ReadonlyMap<string, readonly [number, number]>;
}

/**
 * One pass over `text` that finds where it first opens more than `limit` nested objects/arrays,
 * whether an object has a key twice, and where each top-level property's value lies. A scan, run
 * before JSON.parse so a hostile body can neither overflow the stack of a recursive parser nor cost
 * a full parse; brackets inside strings open nothing. Its findings about keys and members hold for
 * text JSON.parse accepts (for other text they mean nothing).
 */
const scanJson = (text: string, limit: number): JsonScan => {
  let depth = 0;
  let lastStringStart = -1;
  let lastStringEnd = -1;
  let topLevelKey: [number, number] | undefined;
  const topLevelIsObject = text.trimStart().startsWith('{');
  // Per open object its keys so far (created at its first key); undefined for an array.
  const keysOf: Array<Set<string> | undefined> = [];
  const objectAt: boolean[] = [];
  let duplicateKey = false;
  const members = new Map<string, readonly [number, number]>();
  let memberName: string | undefined;
  let memberStart = -1; // -2: a top-level member's value starts at the next significant character
  let significantEnd = 0; // the end of the last character outside white space
  const endMember = () => {
    if (memberName !== undefined && memberStart >= 0) members.set(memberName, [memberStart, significantEnd]);
    memberName = undefined;
    memberStart = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // JSON's white space: space, tab, line feed, carriage return.
    if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) continue;
    if (memberStart === -2) memberStart = i;
    if (code === 0x22) {
      const end = closingQuote(text, i);
      if (end < 0) break; // an unterminated string opens nothing more
      lastStringStart = i;
      lastStringEnd = end + 1;
      significantEnd = end + 1;
      i = end;
      continue;
    }
    if (code === 0x3a) {
      if (depth === 1 && lastStringStart >= 0) topLevelKey = [lastStringStart, lastStringEnd];
      const level = depth - 1;
      if (level >= 0 && objectAt[level] && lastStringStart >= 0) {
        const key = stringAt(text, lastStringStart, lastStringEnd) ?? '';
        const keys = keysOf[level] ?? new Set<string>();
        keysOf[level] = keys;
        if (keys.has(key)) duplicateKey = true;
        keys.add(key);
        if (depth === 1) {
          memberName = key;
          memberStart = -2;
        }
      }
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) {
        const key = topLevelIsObject && topLevelKey ? stringAt(text, topLevelKey[0], topLevelKey[1]) : undefined;
        return {
          tooDeep: { offset: i, ...(key === undefined ? {} : { topLevelKey: key }) },
          duplicateKey,
          members,
        };
      }
      objectAt[depth - 1] = code === 0x7b;
      keysOf[depth - 1] = undefined;
    } else if (code === 0x7d || code === 0x5d) {
      if (depth === 1) endMember();
      depth--;
    } else if (code === 0x2c && depth === 1) {
      endMember();
    }
    significantEnd = i + 1;
  }
  return { duplicateKey, members };
};

/**
 * Where `text` first opens more than `limit` nested objects/arrays, or undefined when it never
 * does. A scan, checked before JSON.parse so a hostile body can neither overflow the stack of a
 * recursive parser nor cost a full parse; brackets inside strings open nothing.
 */
export const firstTooDeep = (text: string, limit: number): TooDeep | undefined => scanJson(text, limit).tooDeep;

/** True when `text` opens more than `limit` nested objects/arrays (see `firstTooDeep`). */
export const nestingExceeds = (text: string, limit: number): boolean => firstTooDeep(text, limit) !== undefined;

// A lone surrogate has no UTF-8 form: the bytes sent on would not be the text checked here. (Raw
// U+FFFE and U+FFFF are legal JSON and UTF-8: the queue envelope base64-encodes data holding them.)
// String.prototype.isWellFormed (ES2024, Node 20) is false exactly when a lone surrogate is in the
// text, ten times faster than a regular expression looking for one (bench/json-body.ts).
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** A top-level key worth naming in a message: a field's name, not text of any length or kind. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The sentence refusing a body nested too deep, naming the top-level field at fault when it has a field's name. */
const tooDeepMessage = ({ topLevelKey }: TooDeep): string =>
  topLevelKey !== undefined && FIELD_NAME.test(topLevelKey)
    ? `${topLevelKey} is nested deeper than ${MAX_JSON_DEPTH} levels.`
    : `The body must be a JSON object whose fields are nested at most ${MAX_JSON_DEPTH} levels deep.`;

/** A JSON object parsed once: its value, and the exact text of its top-level members. */
export interface ParsedJsonObject {
  readonly value: Record<string, unknown>;
  /**
   * The exact text of a top-level property's value as sent, so the payload reaches the destination
   * byte for byte (no re-serialisation: big numbers, number formats and escapes survive); undefined
   * when the object has no such property.
   */
  propertyText(property: string): string | undefined;
}

/**
 * Parses a request body that must be a JSON object, in one scan (`scanJson`: nesting, duplicate
 * keys, where each top-level member lies) and one JSON.parse. Answers 400 `invalid_json` for text
 * that is not JSON, and 400 `invalid_request` for a field (such as `data`) itself nested deeper than
 * `MAX_JSON_DEPTH` levels (the body's own object is one level around its fields), for an unpaired
 * surrogate, or for a key twice in one object.
 */
export const parseJsonBody = (text: string): ParsedJsonObject => {
  const scan = scanJson(text, MAX_JSON_DEPTH + 1);
  if (scan.tooDeep !== undefined) throw invalidRequest(tooDeepMessage(scan.tooDeep));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The body must be a JSON object.');
  }
  if (!isWellFormed(text)) {
    throw invalidRequest('The body contains an unpaired surrogate, which UTF-8 cannot carry; escape it as \\uXXXX.');
  }
  if (scan.duplicateKey) throw duplicateKeyError(text);
  const { members } = scan;
  return {
    value: value as Record<string, unknown>,
    propertyText: (property) => {
      const span = members.get(property);
      return span && text.slice(span[0], span[1]);
    },
  };
};

/**
 * Parses a request body that must be a JSON object, answering as `parseJsonBody` does; its value.
 */
export const parseJsonObject = (text: string): Record<string, unknown> => parseJsonBody(text).value;

/**
 * The refusal of a body with a key twice in one object, naming the first such key and where it is
 * (a second parse, into a tree: only for a body refused anyway).
 */
const duplicateKeyError = (text: string) => {
  const duplicate = firstDuplicateKey(parseTree(text, [], { disallowComments: true, allowTrailingComma: false }));
  // JSON.parse keeps the last of two equal keys; the raw `data` sent on would be the first.
  // Keys inside `data` are payload: never echoed, nor is the path to them.
  if (duplicate === undefined)
    return invalidRequest('The body has a key twice in one object; a key may appear once per object.');
  if (duplicate.path === 'data' || duplicate.path.startsWith('data.') || duplicate.path.startsWith('data[')) {
    return invalidRequest('The body has a key twice in one object inside data; a key may appear once per object.');
  }
  return invalidRequest(
    `The body has the key ${JSON.stringify(duplicate.key)} twice in ${duplicate.path}; a key may appear once per object.`,
  );
};

/** The first key that appears twice in one object, and where (`the top-level object` or a dotted path). */
const firstDuplicateKey = (root: Node | undefined): { key: string; path: string } | undefined => {
  const pending: Array<{ node: Node; path: string }> = root ? [{ node: root, path: '' }] : [];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, path } = next;
    const seen = new Set<string>();
    for (const child of node.children ?? []) {
      if (node.type === 'object' && child.type === 'property') {
        const key = String(child.children?.[0]?.value);
        if (seen.has(key)) return { key, path: path === '' ? 'the top-level object' : path };
        seen.add(key);
        const valueNode = child.children?.[1];
        if (valueNode) pending.push({ node: valueNode, path: path === '' ? key : `${path}.${key}` });
      } else if (node.type === 'array') {
        pending.push({ node: child, path: `${path}[]` });
      }
    }
  }
  return undefined;
};

/**
 * The exact text of a top-level property of a JSON object, so the payload reaches the destination
 * byte for byte as sent (no re-serialisation: big numbers, number formats and escapes survive).
 * Call only on text that `parseJsonObject` accepted (`parseJsonBody` answers it without a second pass).
 */
export const rawPropertyText = (text: string, property: string): string | undefined => {
  const span = scanJson(text, Number.POSITIVE_INFINITY).members.get(property);
  return span && text.slice(span[0], span[1]);
};
