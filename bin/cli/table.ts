/**
 * Human output: aligned columns and `name: value` lists. Every cell is made safe for a terminal
 * (control characters, escape sequences included, become visible `\uXXXX`; an answer excerpt
 * could hold anything) and kept on one line.
 */

/** One column: its header, how to read the cell from a row, and an optional width cap (characters). */
export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => unknown;
  /** Longer cells end in `…` at this width. */
  readonly maxWidth?: number;
}

/** Shown for a value that is absent. */
export const NONE = '-';

const GAP = '  ';

/** A value as one terminal-safe line: absent as `-`, objects as JSON, control characters escaped. */
export const cellText = (value: unknown): string => {
  if (value === undefined || value === null || value === '') return NONE;
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // C0, DEL and C1 controls: newlines would break the row, escapes would drive the terminal.
  // eslint-disable-next-line no-control-regex -- matching them is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
};

/** Cuts `text` to `width` characters (code points), ending in `…` when cut. */
export const truncate = (text: string, width: number): string => {
  const characters = [...text];
  return characters.length <= width ? text : `${characters.slice(0, Math.max(0, width - 1)).join('')}…`;
};

const widthOf = (text: string) => [...text].length;

/** The rows under their headers, columns two spaces apart, without trailing spaces; `(none)` when empty. */
export const renderTable = <Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string => {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const text = cellText(column.value(row));
      return column.maxWidth === undefined ? text : truncate(text, column.maxWidth);
    }),
  );
  if (cells.length === 0) return '(none)';
  const widths = columns.map((column, index) =>
    Math.max(widthOf(column.header), ...cells.map((line) => widthOf(line[index]!))),
  );
  const line = (texts: readonly string[]) =>
    texts
      .map((text, index) => text + ' '.repeat(widths[index]! - widthOf(text)))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
};

/**
 * A record as aligned `name: value` lines, in the record's own order, skipping `omit`; nested
 * values are shown as JSON on their line.
 */
export const renderFields = (record: Readonly<Record<string, unknown>>, omit: readonly string[] = []): string => {
  const entries = Object.entries(record).filter(([name, value]) => !omit.includes(name) && value !== undefined);
  const width = Math.max(0, ...entries.map(([name]) => widthOf(name) + 1));
  return entries.map(([name, value]) => `${`${name}:`.padEnd(width)} ${cellText(value)}`).join('\n');
};
