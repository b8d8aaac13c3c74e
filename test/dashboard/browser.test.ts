import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.ts';
import type { App } from '../../src/http/app.ts';
import { retryJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { ADMIN_KEY, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';
import {
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
  signIn,
  switchState,
  switchTask,
} from './fixtures.ts';

/*
 * The dashboard in Debian's Chromium (headless, off the network) against a real API and an
 * in-process worker on a database of its own. Every wait is for something on the page; no
 * assertion depends on timing.
 */

const tasks = registry.with([switchTask]);
const WAIT = { timeout: 20_000 };

let tdb: TestDatabase;
let app: App;
let worker: WorkerService;
let browser: Browser;
let baseUrl: string;
const keys: Record<string, string> = {};

async function dispatch(tenant: string, task: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const [job] = await dispatchJobs(tdb.db, tasks, [{ task, tenant, payload, ...extra }]);
  return job!.id;
}

async function withContext<T>(
  fn: (context: BrowserContext) => Promise<T>,
  viewport = { width: 1280, height: 860 },
) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

beforeAll(async () => {
  ensureDashboardBuilt();
  tdb = await cloneTestDatabase();
  for (const id of ['acme', 'globex', 'initech']) {
    await createTenantWithSchema(tdb, { id, name: `${id[0]!.toUpperCase()}${id.slice(1)} Inc`, plan: 'pro' });
    keys[id] = (await createApiKey(tdb.db, id)).key;
  }
  await sql`INSERT INTO tenant_acme.clients (name, email)
            VALUES ('Ann Example', 'ann@example.com'), ('Bob Example', 'bob@example.com')`.execute(tdb.db);
  app = await buildTestApp(tdb.db, {}, tasks, { connectionString: tdb.url });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  worker = await startTestWorker(tdb, { registry: tasks, concurrency: 4 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await app?.close();
  await tdb?.close();
});

describe('the dashboard in a browser', () => {
  it('serves hashed assets for a year and the page itself uncached', async () => {
    const page = await fetch(`${baseUrl}/dashboard/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = html.match(/\/dashboard\/assets\/[^"]+\.js/)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(`${baseUrl}${asset}`);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${baseUrl}/dashboard/assets/missing-0000.js`)).status).toBe(404);
    // The first load stays small: the page, its entry script and stylesheet, compressed.
    const shell = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    let bytes = Number(page.headers.get('content-length'));
    for (const file of shell) {
      const res = await fetch(`${baseUrl}${file}`, { headers: { 'accept-encoding': 'br' } });
      expect(res.headers.get('content-encoding')).toBe('br');
      bytes += Number(res.headers.get('content-length'));
    }
    expect(bytes).toBeLessThan(40 * 1024);
    expect((await fetch(`${baseUrl}/dashboard/jobs/42`)).headers.get('content-type')).toContain('text/html');
  });

  it('signs in with the admin key and shows the overview', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('heading', { name: 'Workers' }).waitFor();
      await page.locator('.live-state.live-live').waitFor(WAIT);
      expect(page.url()).not.toContain(ADMIN_KEY);
      expect(await page.evaluate(() => sessionStorage.getItem('tenantry.key'))).toBe(ADMIN_KEY);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      await screenshot(page, 'overview-empty');
    });
  });

  it('gets over a page that failed to download: the next page loads, and the failed one on a retry or Try again', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      // The server away, or a redeploy that renamed the file: the Schedules chunk fails once.
      let failed = 0;
      await page.route(/\/assets\/Schedules-[^/]+\.js$/, (route) =>
        failed++ < 2 ? route.abort() : route.continue(),
      );
      await page.getByRole('link', { name: 'Schedules' }).click();
      await page.getByText('Could not load the page').waitFor(WAIT);
      // No page, no stream: the header says so, not the Overview's "Live".
      await page.getByText('Not live', { exact: true }).waitFor(WAIT);
      await page.getByRole('link', { name: 'Jobs' }).click();
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor(WAIT);
      expect(await page.getByText('Could not load the page').count()).toBe(0);
      await page.locator('.live-state.live-live').waitFor(WAIT);
      await page.getByRole('link', { name: 'Schedules' }).click();
      await page.getByText('Could not load the page').waitFor(WAIT);
      // Where it failed, it can be tried again without leaving.
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor(WAIT);
      expect(failed).toBe(3);
    });
  });

  it('works from the keyboard: sign in with Enter, skip link first, then the pages', async () => {
    await withContext(async (context) => {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/dashboard/jobs`);
      await page.getByLabel('API key').focus();
      await page.keyboard.type(ADMIN_KEY);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Tenantry');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Overview');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
    });
  });

  it('keeps a sign-in for new tabs when asked, and signs every tab out together', async () => {
    await withContext(async (context) => {
      const first = await context.newPage();
      await first.goto(`${baseUrl}/dashboard/`);
      await first.getByLabel('API key').fill(ADMIN_KEY);
      await first.getByRole('checkbox', { name: /Keep me signed in/ }).check();
      await first.getByRole('button', { name: 'Sign in' }).click();
      await first.getByRole('button', { name: 'Sign out' }).waitFor(WAIT);
      // A link opened in a new tab starts signed in.
      const second = await context.newPage();
      await second.goto(`${baseUrl}/dashboard/queues`);
      await second.getByRole('heading', { name: 'Queues' }).waitFor(WAIT);
      await second.getByRole('button', { name: 'Sign out' }).click();
      await first.getByLabel('API key').waitFor(WAIT);
      const third = await context.newPage();
      await third.goto(`${baseUrl}/dashboard/queues`);
      await third.getByLabel('API key').waitFor(WAIT);
    });
    // Without it, the key stays in its tab.
    await withContext(async (context) => {
      await signIn(context, baseUrl, ADMIN_KEY);
      const other = await context.newPage();
      await other.goto(`${baseUrl}/dashboard/queues`);
      await other.getByLabel('API key').waitFor(WAIT);
    });
  });

  it('tells a wrong key why it cannot sign in', async () => {
    await withContext(async (context) => {
      const page = await context.newPage();
      await page.goto(`${baseUrl}/dashboard/`);
      await page.getByLabel('API key').fill('tnt_this-is-not-a-valid-key-000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'That key is not valid' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('tenantry.key'))).toBeNull();
      await screenshot(page, 'sign-in-wrong-key');
    });
  });

  it("shows a job's progress bar moving, then the job completed", async () => {
    const id = await dispatch('acme', 'demo-slow', { seconds: 4, steps: 8 });
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, `/jobs/${id}`);
      const bar = page.getByRole('progressbar', { name: 'Progress' });
      // Some value strictly between the ends: the bar moved while the page watched.
      await expect
        .poll(
          async () => {
            const value = Number(await bar.getAttribute('aria-valuenow'));
            return value > 0 && value < 100;
          },
          { timeout: WAIT.timeout, interval: 100 },
        )
        .toBe(true);
      await page
        .getByTestId('step')
        .filter({ hasText: /step \d of 8/ })
        .waitFor(WAIT);
      await screenshot(page, 'job-running', true);
      await page.locator('.job-head [data-status=completed]').waitFor(WAIT);
      expect(await bar.getAttribute('aria-valuenow')).toBe('100');
      await page.getByLabel('Result').filter({ hasText: '"steps": 8' }).waitFor(WAIT);
    });
  });

  it('retries a failed job from its page', async () => {
    switchState.failing = true;
    const id = await dispatch('acme', 'switch-task', { label: 'single' });
    await waitForStatus(tdb.db, id, ['failed']);
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, keys.acme!, `/jobs/${id}`);
      await page.getByTestId('error-message').filter({ hasText: 'switched off (single)' }).waitFor();
      const attempts = page.getByTestId('attempt-errors');
      await attempts.getByRole('cell', { name: 'failed for good' }).waitFor();
      expect(await attempts.locator('tbody tr').count()).toBe(1);
      await screenshot(page, 'job-failed', true);
      switchState.failing = false;
      await page.getByRole('button', { name: 'Retry job' }).click();
      await page.locator('.job-head [data-status=completed]').waitFor(WAIT);
      // The failure stays on record in the attempts, told apart from the outcome; the job
      // itself carries no error any more.
      await page.getByRole('heading', { name: 'Failed attempts (a later attempt completed)' }).waitFor(WAIT);
      await attempts.getByRole('cell', { name: 'switched off (single)' }).waitFor();
      expect(await page.getByTestId('error-message').count()).toBe(0);
    });
    expect((await waitForStatus(tdb.db, id, ['completed'])).attempts).toBe(1);
  });

  it("follows a finished job that is retried elsewhere: its page does not stay 'Failed'", async () => {
    switchState.failing = true;
    const id = await dispatch('acme', 'switch-task', { label: 'elsewhere' });
    await waitForStatus(tdb.db, id, ['failed']);
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, keys.acme!, `/jobs/${id}`);
      await page.locator('.job-head [data-status=failed]').waitFor(WAIT);
      // Where it stopped, in the colour of a failure, not of a job still running.
      await page.locator('.progress.progress-failed').waitFor();
      switchState.failing = false;
      // Another tab, the CLI, a bulk retry: not this page.
      await retryJob(tdb.db, id);
      await page.locator('.job-head [data-status=completed]').waitFor(WAIT);
    });
  });

  it('follows maintenance started from the tenant page to its end and shows it done', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/initech');
      const last = page.locator('dt:has-text("Last maintenance") + dd');
      await last.filter({ hasText: '—' }).waitFor(WAIT);
      const days = page.getByRole('spinbutton', { name: 'Days' });
      await page.getByRole('checkbox', { name: 'clean up data older than' }).check();
      // Cleared to type another number, the field stays empty (it put 365 back: "36530").
      await days.fill('');
      await page.getByText('Days must be a whole number from 1 to 36500.').waitFor();
      expect(await page.getByRole('button', { name: 'Preview (dry run)' }).isDisabled()).toBe(true);
      await days.fill('30');
      await page.getByRole('button', { name: 'Preview (dry run)' }).click();
      await page.locator('.preview [data-status=completed]').waitFor(WAIT);
      await page.getByRole('button', { name: 'Run maintenance' }).click();
      const runs = page.getByTestId('tenant-runs');
      await runs.locator('[data-status=completed]').waitFor(WAIT);
      // What the job changed is on the page without a reload.
      await last.filter({ hasText: /just now|ago/ }).waitFor(WAIT);
      // The page's own stream is still what the header shows.
      await page.locator('.live-state.live-live').waitFor(WAIT);
    });
  });

  it('bulk-retries every failed job of one tenant after a confirmation that states the count', async () => {
    switchState.failing = true;
    const acmeIds = await Promise.all(
      [1, 2, 3].map((n) => dispatch('acme', 'switch-task', { label: `bulk ${n}` })),
    );
    const globexId = await dispatch('globex', 'switch-task', { label: 'bulk globex' });
    for (const id of [...acmeIds, globexId]) await waitForStatus(tdb.db, id, ['failed']);
    switchState.failing = false;
    await withContext(async (context) => {
      const page = await signIn(
        context,
        baseUrl,
        ADMIN_KEY,
        '/jobs?tenant=acme&status=failed&task=switch-task',
      );
      for (const id of acmeIds) await page.locator(`tr[data-job="${id}"]`).waitFor();
      await screenshot(page, 'jobs', true);
      // A job opened from the filtered list returns to that list, filters kept.
      await page.locator(`tr[data-job="${acmeIds[0]}"] a`).first().click();
      await page.getByRole('heading', { name: `Job #${acmeIds[0]}` }).waitFor(WAIT);
      await page.getByRole('link', { name: '← Jobs' }).click();
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor(WAIT);
      expect(new URL(page.url()).search).toBe('?tenant=acme&status=failed&task=switch-task');
      for (const id of acmeIds) await page.locator(`tr[data-job="${id}"]`).waitFor();
      await page.getByRole('button', { name: 'Retry all matching…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Retry jobs' });
      await dialog
        .getByTestId('confirm-count')
        .filter({ hasText: 'Retry 3 failed or cancelled jobs' })
        .waitFor();
      await dialog.getByRole('button', { name: 'Retry 3 jobs' }).click();
      await page.getByRole('status').filter({ hasText: 'Retried 3 jobs' }).waitFor(WAIT);
    });
    for (const id of acmeIds) await waitForStatus(tdb.db, id, ['completed']);
    expect((await waitForStatus(tdb.db, globexId, ['failed'])).status).toBe('failed');
  });

  it('retries each confirmed job once, even when every retry fails again at once', async () => {
    switchState.failing = true;
    // More than one call's worth (200): the calls after the first once took the re-failed jobs again.
    const n = 205;
    const jobs = await dispatchJobs(
      tdb.db,
      tasks,
      Array.from({ length: n }, (_, i) => ({
        task: 'switch-task',
        tenant: 'globex',
        queue: 'again',
        payload: { label: `again ${i}` },
      })),
    );
    const ids = jobs.map((j) => j.id);
    for (const id of ids) await waitForStatus(tdb.db, id, ['failed'], 60_000);
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/jobs?tenant=globex&queue=again&status=failed');
      await page.locator('tr[data-job]').first().waitFor(WAIT);
      await page.getByRole('button', { name: 'Retry all matching…' }).click();
      await page
        .getByRole('dialog', { name: 'Retry jobs' })
        .getByRole('button', { name: `Retry ${n} jobs` })
        .click();
      await page
        .getByRole('status')
        .filter({ hasText: `Retried ${n} jobs` })
        .waitFor(WAIT);
    });
    // Each ran twice: the first time, and once for the confirmed retry.
    for (const id of ids) await waitForStatus(tdb.db, id, ['failed'], 60_000);
    const { rows } = await sql<{ runs: number; n: string }>`
      SELECT jsonb_array_length(attempt_errors) AS runs, count(*) AS n FROM tenantry.job_logs
      WHERE tenant_id = 'globex' AND queue = 'again' GROUP BY 1`.execute(tdb.db);
    expect(rows).toEqual([{ runs: 2, n: String(n) }]);
    switchState.failing = false;
  }, 120_000);

  it('keeps a selection to the rows on screen: another page starts with none selected', async () => {
    // 55 delayed jobs: two pages of 50, none of them starting during the test.
    const ids: string[] = [];
    for (let n = 0; n < 55; n++)
      ids.push(await dispatch('globex', 'switch-task', { label: `paged ${n}` }, { delayMs: 3_600_000 }));
    await withContext(async (context) => {
      const page = await signIn(
        context,
        baseUrl,
        ADMIN_KEY,
        '/jobs?tenant=globex&status=pending&task=switch-task',
      );
      // Delayed jobs say when they run.
      await page
        .locator(`tr[data-job="${ids.at(-1)}"] .runs-at`)
        .filter({ hasText: /^runs in (59|60) min$/ })
        .waitFor();
      await page.getByRole('checkbox', { name: `Select job ${ids.at(-1)}` }).check();
      await page.getByRole('button', { name: 'Retry selected (1)' }).waitFor();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.locator(`tr[data-job="${ids[0]}"]`).waitFor(WAIT);
      await page.getByRole('button', { name: 'Retry selected (0)' }).waitFor(WAIT);
      // The dialog's way out does not read as the action it refuses ("Cancel" beside "Cancel 1 job").
      await page.getByRole('checkbox', { name: `Select job ${ids[0]}` }).check();
      await page.getByRole('button', { name: 'Cancel selected (1)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel jobs' });
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      // The page is in the URL: a job opened from page 2 and Back returns to page 2, as does
      // the job page's own way back.
      expect(new URL(page.url()).searchParams.get('page')).toBeTruthy();
      await page.locator(`tr[data-job="${ids[0]}"] a`).first().click();
      await page.locator('#job-title').waitFor(WAIT);
      await page.goBack();
      await page.locator(`tr[data-job="${ids[0]}"]`).waitFor(WAIT);
      await page.locator(`tr[data-job="${ids[0]}"] a`).first().click();
      await page.getByRole('link', { name: '← Jobs' }).click();
      await page.locator(`tr[data-job="${ids[0]}"]`).waitFor(WAIT);
    });
    expect((await waitForStatus(tdb.db, ids[0]!, ['pending'])).status).toBe('pending');
  });

  it('suspends a tenant with a reason, whose key is then refused with it, and activates it again', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants');
      await page.locator('tr[data-tenant="initech"]').waitFor();
      await screenshot(page, 'tenants', true);
      await page.locator('tr[data-tenant="initech"]').getByRole('link', { name: 'Initech Inc' }).click();
      await page.getByRole('heading', { name: /Initech Inc/ }).waitFor();
      // The tenant's own dashboard, open on a live page while it is suspended.
      const tenantSide = await context.browser()!.newContext();
      const open = await signIn(tenantSide, baseUrl, keys.initech!, '/jobs');
      await open.getByText('Live', { exact: true }).waitFor(WAIT);
      await page.getByRole('button', { name: 'Suspend…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Suspend initech' });
      await dialog.getByLabel('Reason (shown to the tenant)').fill('unpaid invoice 2026-7');
      await dialog.getByRole('button', { name: 'Suspend' }).click();
      await page.getByTestId('status-reason').filter({ hasText: 'unpaid invoice 2026-7' }).waitFor(WAIT);
      await page.locator('.job-head [data-status=suspended]').waitFor();
      await screenshot(page, 'tenant', true);
      // Signed out with the reason, without a click: its stream was ended and its reconnect refused.
      await open
        .getByRole('alert')
        .filter({ hasText: 'tenant initech is suspended: unpaid invoice 2026-7' })
        .waitFor(WAIT);
      await tenantSide.close();

      await withContext(async (other) => {
        const tenantPage = await other.newPage();
        await tenantPage.goto(`${baseUrl}/dashboard/`);
        await tenantPage.getByLabel('API key').fill(keys.initech!);
        await tenantPage.getByRole('button', { name: 'Sign in' }).click();
        await tenantPage
          .getByRole('alert')
          .filter({ hasText: 'tenant initech is suspended: unpaid invoice 2026-7' })
          .waitFor();
      });

      await page.getByRole('button', { name: 'Activate' }).click();
      await page.locator('.job-head [data-status=active]').waitFor(WAIT);
    });
    const row = await tdb.db
      .selectFrom('tenantry.tenants')
      .select('status')
      .where('id', '=', 'initech')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
  });

  it("changes a tenant's limits and pauses its jobs from its page; a refused value names the field", async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/globex');
      await page.getByRole('heading', { name: 'Scheduling' }).waitFor(WAIT);
      // Its files against its quota, from the tenant's health.
      await page
        .getByTestId('files')
        .filter({ hasText: /^0 \(0 B of at most 1(\.0)? GiB\)$/ })
        .waitFor(WAIT);
      await page.getByLabel('Jobs of one queue at once').fill('3');
      await page.getByLabel('Weight (share of busy workers)').fill('2');
      await page.getByLabel('Rate limit: starts').fill('10');
      await page.getByLabel('per seconds').fill('30');
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page
        .getByTestId('scheduling')
        .filter({ hasText: '3 job(s) of one queue at once, weight 2, rate 10/30s' })
        .waitFor(WAIT);
      await page.getByRole('button', { name: 'Pause jobs' }).click();
      await page.getByRole('button', { name: 'Resume jobs' }).waitFor(WAIT);
      await page.getByTestId('scheduling').filter({ hasText: '; paused' }).waitFor(WAIT);
      await screenshot(page, 'tenant-scheduling', true);

      const stored = await sql<{
        concurrency: number;
        weight: number;
        rate_limit: number;
        rate_period_ms: number;
        paused: boolean;
      }>`
        SELECT concurrency, weight, rate_limit, rate_period_ms, paused FROM tenantry.tenant_limits WHERE tenant_id = 'globex'`.execute(
        tdb.db,
      );
      expect(stored.rows[0]).toMatchObject({
        concurrency: 3,
        weight: 2,
        rate_limit: 10,
        rate_period_ms: 30_000,
        paused: true,
      });

      // Out of range: the API's refusal, naming the field, and nothing changed.
      await page.getByLabel('Jobs of one queue at once').fill('5000');
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /Saving limits failed: .*concurrency/ })
        .waitFor(WAIT);
      // Emptied fields go back to the plan's defaults.
      await page.getByRole('button', { name: 'Undo changes' }).click();
      for (const label of [
        'Jobs of one queue at once',
        'Weight (share of busy workers)',
        'Rate limit: starts',
        'per seconds',
      ]) {
        await page.getByLabel(label).fill('');
      }
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page.getByRole('button', { name: 'Resume jobs' }).click();
      await page.getByRole('button', { name: 'Pause jobs' }).waitFor(WAIT);
      await page
        .getByTestId('scheduling')
        .filter({ hasText: /rate none$/ })
        .waitFor(WAIT);
    });
    const after = await sql<{
      concurrency: number | null;
      weight: number | null;
      rate_limit: number | null;
      paused: boolean;
    }>`
      SELECT concurrency, weight, rate_limit, paused FROM tenantry.tenant_limits WHERE tenant_id = 'globex'`.execute(
      tdb.db,
    );
    expect(after.rows[0]).toMatchObject({ concurrency: null, weight: null, rate_limit: null, paused: false });
  });

  it("saves an empty rate period as the plan's period it shows, not a minute", async () => {
    await withContext(async (context) => {
      // A plan with an hourly rate, as PLAN_SCHEDULING='pro:…,rate=100/1h' gives.
      await context.route(/\/api\/tenants\/initech\/limits$/, async (route) => {
        if (route.request().method() !== 'GET') return route.continue();
        const res = await route.fetch();
        const body = await res.json();
        body.plan_defaults.rate = { limit: 100, period_ms: 3_600_000 };
        await route.fulfill({ response: res, json: body });
      });
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/initech');
      const patched = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/limits'));
      const period = page.getByLabel('per seconds');
      await period.waitFor(WAIT);
      expect(await period.getAttribute('placeholder')).toBe('3600');
      await page.getByLabel('Rate limit: starts').fill('10');
      await page.getByRole('button', { name: 'Save limits' }).click();
      expect((await patched).postDataJSON()).toMatchObject({ rate: { limit: 10, period_ms: 3_600_000 } });
      await page.getByTestId('scheduling').filter({ hasText: 'rate 10/1h' }).waitFor(WAIT);
      await page.getByLabel('Rate limit: starts').fill('');
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page
        .getByTestId('scheduling')
        .filter({ hasText: /rate 100\/1h|rate none/ })
        .waitFor(WAIT);
    });
  });

  it('rotates a tenant key from its page: the new key is shown once and works, the revoked one is refused', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/globex');
      await page.getByRole('heading', { name: 'API keys' }).waitFor(WAIT);
      await page.getByLabel('New key name').fill('rotation-ci');
      await page.getByRole('button', { name: 'Create key' }).click();
      const shown = page.getByTestId('new-key');
      await shown.waitFor(WAIT);
      const key = (await shown.locator('code').textContent())!;
      expect(key).toMatch(/^tnt_/);
      const asKey = (k: string) =>
        fetch(`${baseUrl}/api/tenants/globex`, { headers: { authorization: `Bearer ${k}` } });
      expect((await asKey(key)).status).toBe(200);
      const row = page.locator('[data-testid=api-keys] tr', { hasText: 'rotation-ci' });
      await row.waitFor(WAIT);
      await screenshot(page, 'tenant-keys', true);
      await page.getByRole('button', { name: 'Done' }).click();
      expect(await shown.count()).toBe(0);

      await row.getByRole('button', { name: 'Revoke…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke API key' });
      await dialog.getByText('Revoke rotation-ci').waitFor();
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await row.filter({ hasText: /revoked/ }).waitFor(WAIT);
      expect(await page.evaluate('document.activeElement?.id')).toBe('api-keys-title');
      expect((await asKey(key)).status).toBe(401);
      // Another dialog of the page is still named by its own title.
      await page.getByRole('button', { name: 'Suspend…' }).click();
      await page
        .getByRole('dialog', { name: 'Suspend globex' })
        .getByRole('button', { name: 'Close' })
        .click();
    });
  });

  it('starts an export and downloads the file', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, keys.acme!, '/exports');
      await page.getByLabel('Data').selectOption('clients');
      await page.getByLabel('Format').selectOption('csv');
      await page.getByRole('button', { name: 'Start export' }).click();
      const row = page.locator('tr[data-export]').first();
      await row.locator('[data-status=completed]').waitFor(WAIT);
      await screenshot(page, 'exports', true);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        row.getByRole('button', { name: /Download/ }).click(),
      ]);
      const file = await readFile((await download.path())!, 'utf8');
      expect(download.suggestedFilename()).toMatch(/^clients-\d+\.csv$/);
      expect(file).toContain('Ann Example');
      expect(file).toContain('bob@example.com');

      // Deleting asks first, then the row goes.
      const id = await row.getAttribute('data-export');
      await row.getByRole('button', { name: /Delete/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete export' });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.locator(`tr[data-export="${id}"]`).waitFor({ state: 'detached', ...WAIT });
      // Focus stays on the page (its heading), not dropped to the body with the row.
      expect(await page.evaluate('document.activeElement?.id')).toBe('exports-title');
      // Marked at once; the hourly sweep removes it with its file.
      const left = await sql<{ deleted: boolean }>`
        SELECT deleted_at IS NOT NULL AS deleted FROM tenantry.exports WHERE id = ${id}`.execute(tdb.db);
      expect(left.rows).toEqual([{ deleted: true }]);
      // One export again, for the page's later visits (a narrow screen's table).
      await page.getByRole('button', { name: 'Start export' }).click();
      await page.locator('tr[data-export]').first().waitFor(WAIT);
    });
  });

  it('uploads a file, imports clients from it, downloads and deletes it', async () => {
    const csv = 'name,email\nCara Upload,cara@example.com\n"Dan, from the file",dan@example.com\n';
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, keys.acme!, '/files');
      await page.getByRole('heading', { name: 'Files', level: 1 }).waitFor();
      await page.getByLabel('File', { exact: true }).setInputFiles({
        name: 'new-clients.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      });
      // The path defaults to the file's name; it can be put under a folder.
      await page.getByLabel('Store as').fill('imports/new-clients.csv');
      await page.getByRole('button', { name: 'Upload' }).click();
      const row = page.locator('tr[data-file="imports/new-clients.csv"]');
      await row.waitFor(WAIT);
      await screenshot(page, 'files', true);

      await row.getByRole('button', { name: /Import clients/ }).click();
      await page
        .getByRole('status')
        .getByRole('link', { name: /^job \d+$/ })
        .click();
      await page.getByRole('heading', { name: /import-clients/ }).waitFor(WAIT);
      await page.locator('[data-status=completed]').first().waitFor(WAIT);
      const imported = await sql<{ name: string }>`
        SELECT name FROM tenant_acme.clients WHERE email IN ('cara@example.com', 'dan@example.com') ORDER BY id`.execute(
        tdb.db,
      );
      expect(imported.rows.map((r) => r.name)).toEqual(['Cara Upload', 'Dan, from the file']);

      await page.goBack();
      const back = page.locator('tr[data-file="imports/new-clients.csv"]');
      // A link that opens the file without a key.
      await back.getByRole('button', { name: /^Link/ }).click();
      const shared = await page.getByLabel(/^Link to imports\/new-clients.csv/).inputValue();
      expect(shared).toMatch(/\/api\/shared-files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(await (await fetch(shared)).text()).toBe(csv);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        back.getByRole('button', { name: /Download/ }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('new-clients.csv');
      expect(await readFile((await download.path())!, 'utf8')).toBe(csv);

      await back.getByRole('button', { name: /Delete/ }).click();
      await page.getByRole('dialog', { name: 'Delete file' }).getByRole('button', { name: 'Delete' }).click();
      await back.waitFor({ state: 'detached', ...WAIT });
      expect(await page.evaluate('document.activeElement?.id')).toBe('files-title');
      // Retired, its bytes kept an hour for downloads under way (tenant migration 0005).
      const left = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tenant_acme.files WHERE retired_at IS NULL`.execute(tdb.db);
      expect(left.rows[0]!.n).toBe(0);
    });
    // An admin names the tenant; another tenant's key sees only its own (none here).
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/files');
      await page.getByText('Name a tenant to see its files.').waitFor(WAIT);
      await page.getByLabel('Tenant').fill('acme');
      await page.getByRole('button', { name: 'Show files' }).click();
      await page.getByText('No file yet.').waitFor(WAIT);
      expect(page.url()).toContain('tenant=acme');
    });
  });

  it('keeps a tenant key to its own tenant on every page', { timeout: 60_000 }, async () => {
    const globexJob = await dispatch('globex', 'send-notification', {
      channel: 'sms',
      to: '+1',
      message: 'globex secret',
    });
    await dispatch(
      'acme',
      'send-notification',
      { channel: 'sms', to: '+2', message: 'acme later' },
      { runAt: new Date(Date.now() + 3_600_000) },
    );
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, keys.acme!);
      await page.getByTestId('who').filter({ hasText: 'acme' }).waitFor();
      const visit = async (path: string) => {
        await page.evaluate(
          `history.pushState(null, '', ${JSON.stringify(`/dashboard${path}`)}); dispatchEvent(new PopStateEvent('popstate'))`,
        );
      };
      const noGlobex = async (p: Page) =>
        expect(await p.locator('main').textContent()).not.toMatch(/globex/i);

      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('heading', { name: 'Workers' }).waitFor({ state: 'detached' });
      await noGlobex(page);

      await visit('/jobs');
      await page.locator('tr[data-job]').first().waitFor();
      const tenants = await page.locator('tr[data-job]').count();
      expect(tenants).toBeGreaterThan(0);
      await expect.poll(() => page.getByRole('columnheader', { name: 'Tenant' }).count()).toBe(0);
      await noGlobex(page);

      await visit(`/jobs/${globexJob}`);
      await page
        .getByRole('alert')
        .filter({ hasText: `job log ${globexJob} was not found` })
        .waitFor();

      await visit('/jobs?tenant=globex');
      await page.getByRole('alert').filter({ hasText: 'tenant globex was not found' }).waitFor();

      await visit('/queues?tenant=globex');
      await page.getByRole('alert').filter({ hasText: 'tenant globex was not found' }).waitFor();
      await visit('/queues');
      await page.getByRole('heading', { name: 'Queues' }).waitFor();
      await page.locator('table').waitFor();
      await noGlobex(page);
      await screenshot(page, 'queues-tenant-key');

      await visit('/tenants');
      await page.getByRole('heading', { name: /Acme Inc/ }).waitFor();
      await noGlobex(page);
      await visit('/tenants/globex');
      await page.getByRole('alert').filter({ hasText: 'tenant globex was not found' }).waitFor();

      await visit('/schedules');
      await page.getByRole('alert').filter({ hasText: 'this page is for admin keys' }).waitFor();

      await visit('/exports');
      await page.getByRole('heading', { name: 'Exports' }).waitFor();
      await noGlobex(page);
      await expect.poll(() => page.getByRole('link', { name: 'Schedules' }).count()).toBe(0);
    });
  });

  it('shows queues, schedules and workers to the admin, and fits a 360 px screen', async () => {
    await dispatch(
      'globex',
      'demo-slow',
      { seconds: 60, steps: 2 },
      { runAt: new Date(Date.now() + 3_600_000) },
    );
    const running = await dispatch('acme', 'demo-slow', { seconds: 30, steps: 30 });
    await waitForStatus(tdb.db, running, ['running']);
    // A queue with a rate limit of its own shows it beside its tenant's.
    await sql`INSERT INTO tenantry.queue_limits (tenant_id, queue, rate_limit, rate_period_ms)
              VALUES ('globex', 'default', 10, 60000)`.execute(tdb.db);
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY);
      await page.getByRole('heading', { name: 'Oldest waiting job' }).waitFor();
      await page
        .locator('.card')
        .filter({ hasText: 'Running now' })
        .filter({ hasText: /[1-9]/ })
        .waitFor(WAIT);
      await screenshot(page, 'overview', true);
      await page.getByRole('link', { name: 'Queues', exact: true }).click();
      await page.locator('table').getByText('globex').first().waitFor(WAIT);
      await page
        .getByRole('button', { name: /^Pause globex / })
        .first()
        .waitFor();
      await page.getByRole('cell', { name: 'none; queue 10/1m' }).waitFor(WAIT);
      await screenshot(page, 'queues', true);
      await page.evaluate(
        `history.pushState(null, '', '/dashboard/tenants/globex'); dispatchEvent(new PopStateEvent('popstate'))`,
      );
      await page.getByTestId('scheduling').filter({ hasText: 'queue rates: default 10/1m' }).waitFor(WAIT);
      // What the queue's window holds now (no rate limit of the tenant's own: no tenant window).
      await page
        .getByTestId('rate-use')
        .filter({ hasText: /^\d+ in default's$/ })
        .waitFor(WAIT);
      await page.getByRole('link', { name: 'Schedules' }).click();
      await page
        .getByRole('cell', { name: /tenant-backup/ })
        .first()
        .waitFor();
      await screenshot(page, 'schedules', true);
    });
    await withContext(
      async (context) => {
        const page = await signIn(context, baseUrl, ADMIN_KEY, '/jobs');
        await page.locator('tr[data-job]').first().waitFor();
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await screenshot(page, 'jobs-360px', true);
        // Tables whose header cells are only for screen readers (Actions, Download) scroll in
        // their box; those cells sat past the table's edge and widened the whole page.
        for (const [path, title] of [
          ['/queues', 'Queues'],
          ['/exports', 'Exports'],
        ] as const) {
          await page.evaluate(
            `history.pushState(null, '', '/dashboard${path}'); dispatchEvent(new PopStateEvent('popstate'))`,
          );
          await page.getByRole('heading', { name: title, level: 1 }).waitFor();
          await page.locator('table').first().waitFor();
          const wide = await page.evaluate<number>(
            'document.documentElement.scrollWidth - window.innerWidth',
          );
          expect(wide, path).toBeLessThanOrEqual(0);
        }
      },
      { width: 360, height: 780 },
    );
  });
});
