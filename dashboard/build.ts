// Builds the dashboard into dashboard/dist (run by `npm install` through `prepare`, and by
// `npm run build:dashboard`). An install without dev dependencies (a production image) has no
// bundler: it skips the build and says so; such installs copy a build made elsewhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

// Always a production build (minified, Preact without its debug checks), even when started from
// a test run, whose NODE_ENV is `test`.
process.env.NODE_ENV = 'production';

let vite: typeof import('vite');
try {
  require.resolve('vite');
  vite = await import('vite');
} catch {
  console.warn('dashboard: vite is not installed (production install); skipping the dashboard build');
  process.exit(0);
}

await vite.build({ configFile: path.join(root, 'vite.config.ts'), mode: 'production' });

// What a first visit downloads: the page, its entry script and stylesheet, then the overview
// page's chunk and the chunks it imports (the other pages load when visited).
const dist = path.join(root, 'dist');
const assets = readdirSync(path.join(dist, 'assets'));
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const shell = [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1]!);
const overview = assets.find((f) => f.startsWith('Overview-'));
const overviewImports = overview
  ? [...readFileSync(path.join(dist, 'assets', overview), 'utf8').matchAll(/from"\.\/([^"]+)"/g)].map(
      (m) => `assets/${m[1]}`,
    )
  : [];
const gz = (file: string) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
const sum = (files: string[]) => files.reduce((total, f) => total + gz(f), 0);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const shellBytes = sum(['index.html', ...shell]);
const firstVisit = sum([
  ...new Set(['index.html', ...shell, ...(overview ? [`assets/${overview}`] : []), ...overviewImports]),
]);
const all = assets.reduce((total, f) => total + statSync(path.join(dist, 'assets', f)).size, 0);
console.log(
  `dashboard: built into dashboard/dist; gzipped: ${kib(shellBytes)} page and entry, ${kib(firstVisit)} ` +
    `first visit to the overview; all assets ${kib(all)} raw`,
);
