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

let vite: typeof import('vite');
try {
  require.resolve('vite');
  vite = await import('vite');
} catch {
  console.warn('dashboard: vite is not installed (production install); skipping the dashboard build');
  process.exit(0);
}

await vite.build({ configFile: path.join(root, 'vite.config.ts') });

// What a first visit downloads: the page, its entry script and stylesheet (lazy pages come later).
const dist = path.join(root, 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const referenced = [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1]!);
const gz = (file: string) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
let first = gz('index.html');
for (const file of referenced) first += gz(file);
const all = readdirSync(path.join(dist, 'assets')).reduce(
  (sum, f) => sum + statSync(path.join(dist, 'assets', f)).size,
  0,
);
console.log(
  `dashboard: built into dashboard/dist; first load ${(first / 1024).toFixed(1)} KiB gzipped ` +
    `(${referenced.length + 1} files), all assets ${(all / 1024).toFixed(1)} KiB raw`,
);
