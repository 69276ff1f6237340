import { findNodeAtLocation, type Node, parseTree } from 'jsonc-parser';
import { invalidJson, invalidRequest } from './errors';

/** The contract refuses JSON nested deeper than this many levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` opens more than `limit` nested objects/arrays. Checked before JSON.parse so a
 * hostile body can neither overflow the stack of a recursive parser nor cost a full parse.
 */
export const nestingExceeds = (text: string, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return false;
};

// SQS refuses U+FFFE, U+FFFF and unpaired surrogates in a message body.
const UNQUEUEABLE = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses a request body that must be a JSON object. Answers 400 `invalid_json` for text that is
 * not JSON and 400 `invalid_request` for nesting past the limit or characters no queue accepts.
 */
export const parseJsonObject = (text: string): Record<string, unknown> => {
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    throw invalidRequest(`The body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The body must be a JSON object.');
  }
  if (UNQUEUEABLE.test(text)) {
    throw invalidRequest('The body contains U+FFFE, U+FFFF or an unpaired surrogate; escape it as \\uXXXX.');
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
