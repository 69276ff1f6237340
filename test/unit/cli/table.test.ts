import { cellText, renderFields, renderTable, truncate } from '../../../bin/cli/table';

describe('renderTable', () => {
  it('aligns columns two spaces apart under their headers, with no trailing spaces', () => {
    const text = renderTable(
      [
        { header: 'ID', value: (row: { id: string; n?: number }) => row.id },
        { header: 'N', value: (row) => row.n },
      ],
      [{ id: 'dst_long_identifier', n: 7 }, { id: 'dst_a' }],
    );
    expect(text).toBe(['ID                   N', 'dst_long_identifier  7', 'dst_a                -'].join('\n'));
  });

  it('cuts a cell at its column’s width with an ellipsis, counting characters not bytes', () => {
    const text = renderTable([{ header: 'R', value: (row: string) => row, maxWidth: 5 }], ['ääääääää', 'ok']);
    expect(text.split('\n')).toEqual(['R', 'ääää…', 'ok']);
  });

  it('says (none) for an empty list', () => {
    expect(renderTable([{ header: 'ID', value: (row: string) => row }], [])).toBe('(none)');
  });
});

describe('cellText', () => {
  it('keeps a cell on one line and escapes what would drive the terminal', () => {
    expect(cellText('line 1\nline 2\r\t\u001b[2J\u009b\u007f')).toBe(
      'line 1\\u000aline 2\\u000d\\u0009\\u001b[2J\\u009b\\u007f',
    );
  });

  it('shows absent values as - and objects as JSON', () => {
    expect([undefined, null, ''].map(cellText)).toEqual(['-', '-', '-']);
    expect(cellText({ a: [1] })).toBe('{"a":[1]}');
    expect(cellText(0)).toBe('0');
    expect(cellText(false)).toBe('false');
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
  });
});

describe('renderFields', () => {
  it('lists name: value pairs aligned, in order, skipping omitted and undefined ones', () => {
    expect(renderFields({ id: 'dst_1', status: 'paused', queueDepth: 3, log: [1], gone: undefined }, ['log'])).toBe(
      ['id:         dst_1', 'status:     paused', 'queueDepth: 3'].join('\n'),
    );
  });
});
