import { invalid } from '../errors.ts';

/** Longest file path, in characters (all ASCII: see FILE_PATH_PATTERN). */
export const FILE_PATH_MAX = 255;

/**
 * A segment: letters, digits and `_ . ~ + = , @ ( ) -`, with spaces inside but not at either
 * end, at most 100 characters, and not `.` or `..` (a path names one file, never a way up). No
 * `/` of its own, no `\`, `"`, `%`, control or non-ASCII characters: a path is safe in a URL
 * once `/` is encoded, in a Content-Disposition filename, in a shell, and on any file system a
 * CLI download writes to. Written without lookahead, so any JSON Schema validator (and
 * generator) reads it the same way.
 */
const EDGE = '[A-Za-z0-9_.~+=,@()-]';
const EDGE_NOT_DOT = '[A-Za-z0-9_~+=,@()-]';
const INNER = '[A-Za-z0-9_.~+=,@() -]';
const SEGMENT = `(?:${EDGE_NOT_DOT}|${EDGE_NOT_DOT}${EDGE}|\\.${EDGE_NOT_DOT}|${EDGE}${INNER}{1,98}${EDGE})`;

/** Segments joined by `/`. */
export const FILE_PATH_PATTERN = `^${SEGMENT}(?:/${SEGMENT})*$`;
const FILE_PATH = new RegExp(FILE_PATH_PATTERN);

export const FILE_PATH_RULE =
  'segments of up to 100 letters, digits, spaces (not at either end) and _ . ~ + = , @ ( ) -, joined by /, ' +
  `none of them . or .., at most ${FILE_PATH_MAX} characters`;

/** Why `path` is not a file path, or undefined when it is one. */
export function filePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path.length > FILE_PATH_MAX) return `must be at most ${FILE_PATH_MAX} characters`;
  if (!FILE_PATH.test(path)) return `must be ${FILE_PATH_RULE}`;
  return undefined;
}

/** `path` when it is a file path; otherwise a validation error naming `field`. */
export function checkFilePath(field: string, path: string): string {
  const problem = filePathProblem(path);
  if (problem) throw invalid(field, problem);
  return path;
}

/** The last segment: the name a download is saved under. */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
