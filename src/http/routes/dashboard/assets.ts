import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Where `npm run build:dashboard` (run by `npm install` through `prepare`) writes the dashboard. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../../dashboard/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const COMPRESSIBLE = /^(text\/|image\/svg|application\/json)/;

export interface Asset {
  type: string;
  etag: string;
  body: Buffer;
  gzip: Buffer | undefined;
  br: Buffer | undefined;
}

function asset(name: string, body: Buffer): Asset {
  const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
  const compress = COMPRESSIBLE.test(type) && body.length > 512;
  return {
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    body,
    gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
    br: compress ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : undefined,
  };
}

export interface DashboardFiles {
  index: Asset;
  /** By path under the build directory, e.g. `assets/index-3f2a9c1b.js`. */
  files: Map<string, Asset>;
}

/** Reads and compresses the built dashboard once; undefined when it has not been built. */
export async function loadDashboard(dir = DASHBOARD_DIST): Promise<DashboardFiles | undefined> {
  const indexPath = path.join(dir, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const files = new Map<string, Asset>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const name = path.relative(dir, full).split(path.sep).join('/');
    if (name === 'index.html') continue;
    files.set(name, asset(name, await readFile(full)));
  }
  return { index: asset('index.html', await readFile(indexPath)), files };
}
