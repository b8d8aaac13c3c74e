import { TextDecoder } from 'node:util';

/** One record of a CSV file, with the line it starts on (1-based) for error messages. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
    this.name = 'CsvError';
  }
}

/** Bounds that keep one record of a hostile file from holding the worker's memory. */
export interface CsvLimits {
  maxFieldChars: number;
  maxFields: number;
}

const DEFAULT_LIMITS: CsvLimits = { maxFieldChars: 100_000, maxFields: 100 };

/**
 * Parses RFC 4180 CSV from a stream of bytes, record by record: fields separated by commas,
 * records by CRLF or LF, a quoted field may hold commas, line breaks and `""` for a quote. The
 * bytes must be UTF-8 (a leading BOM is dropped); a blank line is skipped. Malformed input (a
 * quote inside an unquoted field, text after a closing quote, an unclosed quote) is a CsvError
 * naming its line, never a guess.
 */
export async function* parseCsv(
  source: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
  limits: CsvLimits = DEFAULT_LIMITS,
): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let fields: string[] = [];
  let field = '';
  /** 0: start of a field; 1: in an unquoted field; 2: in quotes; 3: a quote in quotes (closing or doubled). */
  let state = 0;
  let line = 1;
  let recordLine = 1;
  let pendingCr = false;

  const endField = () => {
    if (fields.length >= limits.maxFields)
      throw new CsvError(recordLine, `has more than ${limits.maxFields} fields`);
    fields.push(field);
    field = '';
    state = 0;
  };

  function* feed(text: string): Generator<CsvRecord> {
    for (const ch of text) {
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue;
      }
      if (state === 2) {
        if (ch === '"') state = 3;
        else {
          if (ch === '\n') line++;
          field += ch;
        }
      } else if (state === 3 && ch === '"') {
        field += '"';
        state = 2;
      } else if (ch === ',') {
        endField();
      } else if (ch === '\n' || ch === '\r') {
        pendingCr = ch === '\r';
        const blank = fields.length === 0 && field === '' && state === 0;
        if (!blank) {
          endField();
          yield { line: recordLine, fields };
        }
        fields = [];
        line++;
        recordLine = line;
      } else if (state === 3) {
        throw new CsvError(recordLine, 'has text after a closing quote');
      } else if (ch === '"') {
        if (state === 1) throw new CsvError(recordLine, 'has a quote inside an unquoted field');
        state = 2;
      } else {
        field += ch;
        state = 1;
      }
      if (field.length > limits.maxFieldChars) {
        throw new CsvError(recordLine, `has a field longer than ${limits.maxFieldChars} characters`);
      }
    }
  }

  for await (const bytes of source) yield* feed(decodeOrLocate(decoder, bytes, line));
  yield* feed(decodeOrLocate(decoder, undefined, line));
  if (state === 2) throw new CsvError(recordLine, 'has a quote that is never closed');
  if (fields.length > 0 || field !== '' || state !== 0) {
    endField();
    yield { line: recordLine, fields };
  }
}

/**
 * The chunk's text, or a CsvError naming the line of its first invalid byte: a chunk is up to a
 * stored file's 1 MiB, so the line the chunk starts on could be far from it. `line` is the line
 * the chunk's first byte is on.
 */
function decodeOrLocate(decoder: TextDecoder, bytes: Uint8Array | undefined, line: number): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch {
    const text = bytes === undefined ? '' : new TextDecoder('utf-8').decode(bytes);
    const bad = text.indexOf('\uFFFD');
    const before = bad === -1 ? '' : text.slice(0, bad);
    throw new CsvError(line + (before.match(/\n/g)?.length ?? 0), 'is not valid UTF-8');
  }
}
