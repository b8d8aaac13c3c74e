import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker } from '../helpers/worker.ts';
import { ensureDashboardBuilt, launchBrowser, screenshot, signIn } from './fixtures.ts';

/*
 * An admin provisions a tenant, edits its settings, deactivates it, runs its delayed job now,
 * backs it up and restores it from the dashboard, in Debian's Chromium against a real API on a database of its own. Every
 * wait is for something on the page or an answer of the API; no assertion depends on timing.
 */

const WAIT = { timeout: 20_000 };

let tdb: TestDatabase;
let app: App;
let browser: Browser;
let baseUrl: string;

async function withContext<T>(fn: (context: BrowserContext) => Promise<T>) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

const tenantAs = (key: string) =>
  fetch(`${baseUrl}/api/tenants/umbrella`, { headers: { authorization: `Bearer ${key}` } });
const asAdmin = (method: string, url: string, body: object) =>
  fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
/** Clicks Save settings and waits for the API's answer to it (its status). */
async function save(page: Page): Promise<number> {
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'PATCH' && r.url().endsWith('/settings'),
  );
  await page.getByRole('button', { name: 'Save settings' }).click();
  return (await answered).status();
}
const settings = async () =>
  ((await (await tenantAs(ADMIN_KEY)).json()) as { settings: Record<string, unknown> }).settings;

beforeAll(async () => {
  ensureDashboardBuilt();
  tdb = await cloneTestDatabase();
  app = await buildTestApp(tdb.db, {}, undefined, { connectionString: tdb.url });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await tdb?.close();
});

describe("a tenant's administration in the dashboard", () => {
  it('provisions a tenant, shows its key once, and names the field of a refused provision', async () => {
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants');
      await page.getByText('Provision a tenant', { exact: true }).click();
      const form = page.getByRole('form', { name: 'Provision a tenant' });
      await form.getByLabel('Name').fill('Umbrella Corp');
      await form.getByLabel('Id').fill('umbrella');
      await form.getByLabel('Plan').selectOption('pro');
      await page.getByTestId('plan-terms').filter({ hasText: 'pro: 5 per owner' }).waitFor(WAIT);
      await form.getByLabel('Owner').fill('ops@umbrella.test');
      await page
        .getByTestId('owner-usage')
        .filter({ hasText: 'ops@umbrella.test has 0 of 5 on pro' })
        .waitFor(WAIT);
      await form.getByRole('button', { name: 'Provision' }).click();
      const shown = page.getByTestId('new-key');
      await shown.waitFor(WAIT);
      const key = (await shown.locator('code').textContent())!;
      expect(key).toMatch(/^tnt_/);
      expect((await tenantAs(key)).status).toBe(200);
      await page.locator('tr[data-tenant="umbrella"]').waitFor(WAIT);
      await screenshot(page, 'tenant-provision', true);

      // The same id again: refused, the API's reason under the form, the fields kept.
      await form.getByLabel('Name').fill('Umbrella Again');
      await form.getByLabel('Id').fill('umbrella');
      await form.getByRole('button', { name: 'Provision' }).click();
      await page.getByRole('alert').filter({ hasText: 'tenant umbrella already exists' }).waitFor(WAIT);
      expect(await form.getByLabel('Name').inputValue()).toBe('Umbrella Again');
      expect(await form.getByLabel('Id').getAttribute('aria-invalid')).toBe('true');
      const owned = await tdb.db
        .selectFrom('tenantry.tenants')
        .select('name')
        .where('id', '=', 'umbrella')
        .execute();
      expect(owned).toEqual([{ name: 'Umbrella Corp' }]);

      await shown.getByRole('link', { name: 'Umbrella Corp' }).click();
      await page.getByRole('heading', { name: /Umbrella Corp/ }).waitFor(WAIT);
    });
  });

  it('edits settings as a merge patch: keys it does not show are left alone, a refused value changes nothing', async () => {
    const other = await asAdmin('PATCH', '/api/tenants/umbrella/settings', { billing: { seats: 3 } });
    expect(other.status).toBe(200);
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/umbrella');
      const form = page.getByRole('form', { name: 'Settings' });
      await form.waitFor(WAIT);
      await page.getByRole('region', { name: 'Other settings' }).getByText('seats').waitFor();
      await form.getByLabel('Time zone').fill('Europe/Madrid');
      await form.getByLabel('New feature').fill('beta');
      await form.getByRole('button', { name: 'Add' }).click();
      await form.getByLabel('New feature').fill('exports');
      await form.getByLabel('New feature').press('Enter');
      await save(page);
      expect(await settings()).toEqual({
        billing: { seats: 3 },
        timezone: 'Europe/Madrid',
        features: { beta: true, exports: true },
      });

      await form.getByLabel('Language').fill('not a language');
      expect(await save(page)).toBe(400);
      await page.getByText(/Save settings failed: settings\.language/).waitFor(WAIT);
      expect((await settings()).language).toBeUndefined();

      await form.getByLabel('Language').fill('es');
      await form.getByLabel('Time zone').fill('');
      await form.getByRole('checkbox', { name: 'exports' }).uncheck();
      await form.getByRole('button', { name: 'Remove feature beta' }).click();
      await save(page);
      expect(await settings()).toEqual({
        billing: { seats: 3 },
        language: 'es',
        features: { exports: false },
      });
      await screenshot(page, 'tenant-settings', true);
    });
  });

  it('deactivates a tenant with an optional reason: its key is refused until it is activated', async () => {
    const made = await asAdmin('POST', '/api/tenants/umbrella/keys', {});
    const { key } = (await made.json()) as { key: string };
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/umbrella');
      await page.getByRole('button', { name: 'Deactivate…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Deactivate umbrella' });
      await dialog.getByLabel('Reason (optional, shown to the tenant)').fill('closed by owner');
      await dialog.getByRole('button', { name: 'Deactivate' }).click();
      await page.locator('.job-head [data-status=inactive]').waitFor(WAIT);
      await page.getByTestId('status-reason').filter({ hasText: 'closed by owner' }).waitFor();
      expect((await tenantAs(key)).status).toBe(403);
      // Deactivation is offered from active only.
      expect(await page.getByRole('button', { name: 'Deactivate…' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Activate', exact: true }).click();
      await page.locator('.job-head [data-status=active]').waitFor(WAIT);
      expect((await tenantAs(key)).status).toBe(200);
    });
  });

  it('runs a delayed job now from its page, and offers what there is in the job filters', async () => {
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const notification = {
      task: 'send-notification',
      tenant: 'umbrella',
      payload: { channel: 'sms', to: '+34600000000', message: 'later' },
    };
    const sent = await asAdmin('POST', '/api/jobs', { ...notification, run_at: later });
    expect(sent.status, await sent.clone().text()).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await withContext(async (context) => {
      const page = await signIn(context, baseUrl, ADMIN_KEY, `/jobs/${id}`);
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.getByText(`Job ${id} is due now`).waitFor(WAIT);
      // The jobs list offers the tasks, tenants and queues there are as its filters are typed.
      await page.goto(`${baseUrl}/dashboard/jobs`);
      for (const option of [
        '#task-options option[value="send-notification"]',
        '#tenant-options option[value="umbrella"]',
        '#queue-options option[value="notifications"]',
      ])
        await page.locator(option).waitFor({ state: 'attached', ...WAIT });
      expect(await page.getByLabel('Task').getAttribute('list')).toBe('task-options');

      // In bulk: every delayed job the filter selects, after a confirmation that counts them.
      for (let i = 0; i < 2; i++)
        expect((await asAdmin('POST', '/api/jobs', { ...notification, run_at: later })).status).toBe(202);
      await page.goto(`${baseUrl}/dashboard/jobs?tenant=umbrella&status=pending`);
      await page.locator('tr[data-job]').first().waitFor(WAIT);
      await page.getByRole('button', { name: 'Run all matching now…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Run jobs now' });
      await dialog
        .getByTestId('confirm-count')
        .filter({ hasText: 'Run 2 delayed or backing-off jobs now' })
        .waitFor();
      await dialog.getByRole('button', { name: 'Run 2 jobs now' }).click();
      await page.getByRole('status').filter({ hasText: 'Made 2 jobs due now' }).waitFor(WAIT);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs
        WHERE tenant_id = 'umbrella' AND status = 'pending' AND run_at > now()`.execute(tdb.db);
      expect(rows[0]!.n).toBe(0);
    });
    const log = await (
      await fetch(`${baseUrl}/api/job-logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).json();
    expect(Date.parse((log as { run_at: string }).run_at)).toBeLessThan(Date.parse(later));
  });

  it('backs a tenant up and restores it from its page, the restore confirmed by typing its id', async () => {
    const backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-dashboard-backups-'));
    await app.close();
    app = await buildTestApp(tdb.db, {}, registry, {
      connectionString: tdb.url,
      config: parseConfig({ LOG_LEVEL: 'silent', BACKUP_DIR: backupDir }),
    });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const worker = await startTestWorker(tdb, { registry, env: { BACKUP_DIR: backupDir } });
    try {
      await sql`INSERT INTO tenant_umbrella.clients (name) VALUES ('kept')`.execute(tdb.db);
      await withContext(async (context) => {
        const page = await signIn(context, baseUrl, ADMIN_KEY, '/tenants/umbrella');
        await page.getByRole('button', { name: 'Back up now' }).click();
        await page.getByText(/^Backup finished \(job \d+\)$/).waitFor(WAIT);
        const row = page.locator('tr', { hasText: 'tenant_umbrella_' });
        await row.waitFor(WAIT);
        // Written after the backup: the restore takes it away.
        await sql`INSERT INTO tenant_umbrella.clients (name) VALUES ('after')`.execute(tdb.db);
        await row.getByRole('button', { name: 'Restore…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Restore umbrella' });
        const confirm = dialog.getByRole('button', { name: 'Restore' });
        expect(await confirm.isDisabled()).toBe(true);
        await dialog.getByLabel('Type the tenant id (umbrella) to confirm').fill('umbrella');
        await confirm.click();
        await page.getByText(/^Restore from tenant_umbrella_.* finished \(job \d+\)$/).waitFor(WAIT);
      });
      const names = await sql<{
        name: string;
      }>`SELECT name FROM tenant_umbrella.clients ORDER BY name`.execute(tdb.db);
      expect(names.rows.map((r) => r.name)).toEqual(['kept']);
    } finally {
      await worker.stop();
      await rm(backupDir, { recursive: true, force: true });
    }
  });
});
