#!/usr/bin/env node
// Node >= 22.18 runs the TypeScript sources directly (type stripping, no loader). Node does not
// strip types under node_modules, so an installed copy of the package runs the compiled dist/.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

module.enableCompileCache?.();
const source = new URL('../src/cli/main.ts', import.meta.url);
const installed = fileURLToPath(source).split('/').includes('node_modules');
await import(
  existsSync(source) && !installed ? source.href : new URL('../dist/cli/main.js', import.meta.url).href
);
