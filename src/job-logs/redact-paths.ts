import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installation's root directory (this file is src/job-logs/redact-paths.ts or dist/job-logs/...). */
const ROOT = `${path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')}${path.sep}`;

/** A stack frame's location: `(/abs/file.ts:12:5)` or `at /abs/file.ts:12:5`, optionally a file:// URL. */
const FRAME = /(\(|at )(?:file:\/\/)?(\/[^\s()]*?)(:\d+(?::\d+)?\)?)$/gm;

function shorten(file: string): string {
  if (file.startsWith(ROOT)) return file.slice(ROOT.length);
  const modules = file.lastIndexOf('/node_modules/');
  if (modules !== -1) return file.slice(modules + 1);
  return path.basename(file);
}

/**
 * A stack trace without absolute server paths: files of the installation relative to its root,
 * dependencies from `node_modules/`, anything else by its base name. Stacks reach tenants
 * (job logs, callbacks); the layout of the server's disk is not theirs to see.
 */
export function redactPaths(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(
      FRAME,
      (_match, lead: string, file: string, position: string) => `${lead}${shorten(file)}${position}`,
    )
    .replaceAll(`file://${ROOT}`, '')
    .replaceAll(ROOT, '');
}
