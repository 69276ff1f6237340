import { findNodeAtLocation, type Node, parseTree } from 'jsonc-parser';
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

/** The key at `span` (a JSON string token) with its escapes resolved, as `{topLevelKey}`; `{}` without one. */
const keyText = (text: string, span: readonly [number, number] | undefined): { topLevelKey?: string } => {
  if (span === undefined) return {};
  try {
    return { topLevelKey: JSON.parse(text.slice(span[0], span[1])) as string };
  } catch {
    return {};
  }
};

/**
 * Where `text` first opens more than `limit` nested objects/arrays, or undefined when it never
 * does. A scan, checked before JSON.parse so a hostile body can neither overflow the stack of a
 * recursive parser nor cost a full parse; brackets inside strings open nothing.
 */
export const firstTooDeep = (text: string, limit: number): TooDeep | undefined => {
  let depth = 0;
  let stringStart = -1;
  let lastString: [number, number] | undefined;
  let topLevelKey: [number, number] | undefined;
  const topLevelIsObject = text.trimStart().startsWith('{');
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (stringStart >= 0) {
      if (code === 0x5c) {
        i++; // skip the escaped character
      } else if (code === 0x22) {
        lastString = [stringStart, i + 1];
        stringStart = -1;
      }
    } else if (code === 0x22) {
      stringStart = i;
    } else if (code === 0x3a && depth === 1) {
      topLevelKey = lastString; // a colon in the top-level object follows one of its keys
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return { offset: i, ...keyText(text, topLevelIsObject ? topLevelKey : undefined) };
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return undefined;
};

/** True when `text` opens more than `limit` nested objects/arrays (see `firstTooDeep`). */
export const nestingExceeds = (text: string, limit: number): boolean => firstTooDeep(text, limit) !== undefined;

// A lone surrogate has no UTF-8 form: the bytes sent on would not be the text checked here. (Raw
// U+FFFE and U+FFFF are legal JSON and UTF-8: the queue envelope base64-encodes data holding them.)
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A top-level key worth naming in a message: a field's name, not text of any length or kind. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The sentence refusing a body nested too deep, naming the top-level field at fault when it has a field's name. */
const tooDeepMessage = ({ topLevelKey }: TooDeep): string =>
  topLevelKey !== undefined && FIELD_NAME.test(topLevelKey)
    ? `${topLevelKey} is nested deeper than ${MAX_JSON_DEPTH} levels.`
    : `The body must be a JSON object whose fields are nested at most ${MAX_JSON_DEPTH} levels deep.`;

/**
 * Parses a request body that must be a JSON object. Answers 400 `invalid_json` for text that is
 * not JSON, and 400 `invalid_request` for a field (such as `data`) itself nested deeper than
 * `MAX_JSON_DEPTH` levels (the body's own object is one level around its fields), for an unpaired
 * surrogate, or for a key twice in one object.
 */
export const parseJsonObject = (text: string): Record<string, unknown> => {
  const tooDeep = firstTooDeep(text, MAX_JSON_DEPTH + 1);
  if (tooDeep !== undefined) throw invalidRequest(tooDeepMessage(tooDeep));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The body must be a JSON object.');
  }
  if (UNPAIRED_SURROGATE.test(text)) {
    throw invalidRequest('The body contains an unpaired surrogate, which UTF-8 cannot carry; escape it as \\uXXXX.');
  }
  const duplicate = firstDuplicateKey(parseTree(text, [], { disallowComments: true, allowTrailingComma: false }));
  if (duplicate) {
    // JSON.parse keeps the last of two equal keys; the raw `data` sent on would be the first.
    // Keys inside `data` are payload: never echoed, nor is the path to them.
    if (duplicate.path === 'data' || duplicate.path.startsWith('data.') || duplicate.path.startsWith('data[')) {
      throw invalidRequest('The body has a key twice in one object inside data; a key may appear once per object.');
    }
    throw invalidRequest(
      `The body has the key ${JSON.stringify(duplicate.key)} twice in ${duplicate.path}; a key may appear once per object.`,
    );
  }
  return value as Record<string, unknown>;
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
 * Call only on text that `parseJsonObject` accepted.
 */
export const rawPropertyText = (text: string, property: string): string | undefined => {
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  const node = root && findNodeAtLocation(root, [property]);
  return node ? text.slice(node.offset, node.offset + node.length) : undefined;
};
