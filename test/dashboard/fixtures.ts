import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { Type } from 'typebox';
import { defineTask } from '../../src/jobs/define.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS = path.join(ROOT, 'test/dashboard/artifacts');
export const DOCS_SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network: no updates, sync, field trials or QUIC. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--metrics-recording-only',
  '--disable-features=Translate,OptimizationHints,MediaRouter',
  '--headless',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

function newestSource(): number {
  const dir = path.join(ROOT, 'dashboard');
  const files = readdirSync(path.join(dir, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
  files.push(path.join(dir, 'index.html'), path.join(dir, 'vite.config.ts'));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/** The dashboard build the server serves; (re)built here when missing or older than its sources. */
export function ensureDashboardBuilt(): void {
  const built = path.join(ROOT, 'dashboard/dist/index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) return;
  execFileSync(process.execPath, ['dashboard/build.ts'], { cwd: ROOT, stdio: 'inherit' });
}

/** Whether the test task below fails; the tests flip it (the worker runs in this process). */
export const switchState = { failing: true };

/** Fails while switchState.failing is set, succeeds otherwise. */
export const switchTask = defineTask({
  name: 'switch-task',
  audience: 'tenant',
  maxAttempts: 1,
  payload: Type.Object({ label: Type.Optional(Type.String()) }),
  async handler(payload, ctx) {
    ctx.progress(30, 'checking the switch');
    await sleep(50, undefined, { signal: ctx.signal });
    if (switchState.failing) throw new Error(`switched off (${payload.label ?? 'no label'})`);
    return { label: payload.label ?? null };
  },
});

export async function signIn(
  context: BrowserContext,
  baseUrl: string,
  key: string,
  path = '/',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/dashboard${path}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

export async function screenshot(page: Page, name: string, docs = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (docs && process.env.UPDATE_SCREENSHOTS) {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, `${name}.png`), fullPage: false });
  }
}
