import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/files/csv-parse.ts';

const parse = async (pieces: (string | Buffer)[]) => {
  const records: { line: number; fields: string[] }[] = [];
  for await (const r of parseCsv(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))))
    records.push(r);
  return records;
};
const failure = (pieces: (string | Buffer)[]) =>
  parse(pieces).then(
    () => 'parsed',
    (err: Error) => err.message,
  );

describe('parseCsv', () => {
  it('reads quoted fields, CRLF and LF, a BOM, blank lines, and a last line without a break', async () => {
    expect(await parse(['\ufeffa,b\r\n"x, ""y""\r\nz",2\n\n3,'])).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"\r\nz', '2'] },
      { line: 5, fields: ['3', ''] },
    ]);
  });

  it('joins a character and a quote split across chunks', async () => {
    const bytes = Buffer.from('é,"a""b"\n');
    const pieces = [...bytes].map((b) => Buffer.from([b]));
    expect(await parse(pieces)).toEqual([{ line: 1, fields: ['é', 'a"b'] }]);
  });

  it('names the line of malformed input', async () => {
    expect(await failure(['a\nb,"c"d\n'])).toBe('line 2: has text after a closing quote');
    expect(await failure(['a\nb"c\n'])).toBe('line 2: has a quote inside an unquoted field');
    expect(await failure(['a\n"open\nmore'])).toBe('line 2: has a quote that is never closed');
    expect(await failure(['a\nb\n', Buffer.from([0x63, 0xff, 0x0a])])).toBe('line 3: is not valid UTF-8');
    expect(await failure([`${'x,'.repeat(100)}x\n`])).toBe('line 1: has more than 100 fields');
  });
});
