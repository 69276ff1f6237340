/**
 * The local runtime's own log lines, for what the AWS service it stands in for would report in its
 * own log (a failed invocation, a mapping that could not change state): one JSON line on stderr,
 * keyed by ids, never a payload or a body.
 */
export const localLog = (level: 'WARN' | 'ERROR', message: string, fields: Record<string, unknown>): void =>
  console.error(JSON.stringify({ level, message, ...fields }));
