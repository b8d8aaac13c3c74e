#!/usr/bin/env node
// In a checkout (src/ present) run the TypeScript sources, so the CLI never runs a stale
// build; in an image or installed package, where only dist/ ships, run the compiled CLI.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
