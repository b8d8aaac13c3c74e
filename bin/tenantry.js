#!/usr/bin/env node
// Node >= 22.18 runs the TypeScript sources directly (type stripping, no loader). Node does not
// strip types under node_modules, so an installed copy of the package runs the compiled dist/.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// An older Node fails on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION and a stack,
// which says nothing of the version; say it in one line (package.json engines).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`tenantry: needs Node.js 22.18 or later (24 LTS recommended); this is ${process.version}`);
  process.exit(1);
}

module.enableCompileCache?.();
const source = new URL('../src/cli/main.ts', import.meta.url);
const installed = fileURLToPath(source).split('/').includes('node_modules');
await import(
  existsSync(source) && !installed ? source.href : new URL('../dist/cli/main.js', import.meta.url).href
);
