import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link } from '../router.tsx';
import type { Session } from '../session.ts';
import { type RunAction, useLoad } from '../ui/data.ts';
import { ago, dateTime, rate, size } from '../ui/format.ts';
import { ErrorBox, Loading, StatusBadge, toast, useNow } from '../ui/parts.tsx';
import { TenantBackups } from './TenantBackups.tsx';
import { TenantKeys } from './TenantKeys.tsx';
import { TenantMaintenance } from './TenantMaintenance.tsx';
import { type Run, TenantRuns } from './TenantRuns.tsx';
import { TenantScheduling } from './TenantScheduling.tsx';
import { TenantSettings } from './TenantSettings.tsx';
import { TenantStatus } from './TenantStatus.tsx';

/** `; queue rates: reports 10/1m`, or nothing when no queue has a rate limit of its own. */
const queueRates = (rates: Record<string, { limit: number; period_ms: number }>) => {
  const shown = Object.entries(rates).map(([queue, r]) => `${queue} ${rate(r)}`);
  return shown.length > 0 ? `; queue rates: ${shown.join(', ')}` : '';
};

/** `12 in the tenant's window, 3 in reports's`, or nothing when the tenant has no rate limit. */
const rateUse = (use: { tenant: number | null; queues: Record<string, number> }) =>
  [
    ...(use.tenant === null ? [] : [`${use.tenant} in the tenant's window`]),
    ...Object.entries(use.queues).map(([queue, n]) => `${n} in ${queue}'s`),
  ].join(', ');

export default function Tenant({ session, params }: { session: Session; params: Record<string, string> }) {
  const id = params.id!;
  const admin = session.kind === 'admin';
  const now = useNow(10_000);
  const tenant = useLoad(() => call(api.GET('/api/tenants/{id}', { params: { path: { id } } })), [id]);
  const limits = useLoad(() => call(api.GET('/api/tenants/{id}/limits', { params: { path: { id } } })), [id]);
  const cache = useLoad(
    () => call(api.GET('/api/tenants/{id}/cache/stats', { params: { path: { id } } })),
    [id],
  );
  const health = useLoad(
    () =>
      admin
        ? call(api.GET('/api/tenants/{id}/health', { params: { path: { id } } }))
        : Promise.resolve(undefined),
    [id, admin],
  );
  const backups = useLoad(
    () =>
      admin
        ? call(api.GET('/api/tenants/{id}/backups', { params: { path: { id } } }))
        : Promise.resolve(undefined),
    [id, admin],
  );
  const reloadAll = () => {
    tenant.reload();
    health.reload();
    limits.reload();
    backups.reload();
    cache.reload();
  };
  // The tenant's own jobs move its "Jobs now" counts: those are re-read, at most every 2 s.
  const reloadHealth = useThrottled(() => health.reload(), 2000);
  useEventStream(
    admin ? `/api/events?tenant=${encodeURIComponent(id)}` : null,
    (type) => {
      if (type === 'tenant' || type === 'resync') reloadAll();
      else if (type === 'jobs') reloadHealth();
    },
    reloadAll,
  );
  const [runs, setRuns] = useState<Run[]>([]);
  const started = (what: string, jobId: string) => setRuns((rs) => [{ what, jobId }, ...rs].slice(0, 5));

  const [busy, setBusy] = useState(false);

  const run: RunAction = async (what, fn) => {
    setBusy(true);
    try {
      await fn();
      reloadAll();
    } catch (err) {
      toast(`${what} failed: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  if (tenant.error) {
    return (
      <section>
        <h1>Tenant {id}</h1>
        <ErrorBox error={tenant.error} what={`tenant ${id}`} />
        {admin && <Link href="/tenants">Back to tenants</Link>}
      </section>
    );
  }
  const t = tenant.data;
  if (!t) return <Loading what={`tenant ${id}`} />;
  const h = health.data;
  return (
    <section aria-labelledby="tenant-title">
      {admin && (
        <p>
          <Link href="/tenants">← Tenants</Link>
        </p>
      )}
      <h1 id="tenant-title">
        {t.name} <small class="mono">{t.id}</small>
      </h1>
      <div class="job-head">
        <StatusBadge status={t.status} />
        {t.status_reason && <span data-testid="status-reason">Reason: {t.status_reason}</span>}
      </div>
      <dl class="facts">
        <dt>Plan</dt>
        <dd>{t.plan}</dd>
        <dt>Scheduling</dt>
        <dd data-testid="scheduling">
          {limits.data
            ? `${limits.data.effective.concurrency} job(s) of one queue at once, weight ${limits.data.effective.weight}, rate ${rate(limits.data.effective.rate)}${limits.data.paused ? '; paused' : ''}${limits.data.paused_queues.length > 0 ? `; paused queues: ${limits.data.paused_queues.join(', ')}` : ''}${queueRates(limits.data.queue_rates)}`
            : '—'}
        </dd>
        {limits.data && rateUse(limits.data.rate_use) && (
          <>
            <dt>Rate use now</dt>
            <dd data-testid="rate-use">{rateUse(limits.data.rate_use)}</dd>
          </>
        )}
        <dt>Owner</dt>
        <dd>{t.owner ?? '—'}</dd>
        <dt>Cache entries</dt>
        <dd>
          {cache.data
            ? `${cache.data.entries} (${size(cache.data.bytes)}${cache.data.max_bytes === null ? '' : ` of at most ${size(cache.data.max_bytes)}`})`
            : '—'}
        </dd>
        <dt>Created</dt>
        <dd>{dateTime(t.created_at)}</dd>
        {h && (
          <>
            <dt>Schema size</dt>
            <dd>
              {h.schema_bytes === null ? 'missing' : `${(h.schema_bytes / 1024 / 1024).toFixed(1)} MiB`}
            </dd>
            <dt>Files</dt>
            <dd data-testid="files">
              {h.files
                ? `${h.files.count} (${size(h.files.bytes)}${h.files.max_bytes === null ? '' : ` of at most ${size(h.files.max_bytes)}`})`
                : '—'}
            </dd>
            <dt>Newest backup</dt>
            <dd>
              {ago(h.backups.newest_at, now)} ({h.backups.count}, {h.backups.total_size})
            </dd>
            <dt>Last maintenance</dt>
            <dd>{ago(h.last_maintenance_at, now)}</dd>
            <dt>Jobs now</dt>
            <dd>
              {h.queue_depth.pending - h.queue_depth.scheduled} waiting, {h.queue_depth.scheduled} delayed,{' '}
              {h.queue_depth.running} running;{' '}
              <Link href={`/jobs?tenant=${id}&status=failed`}>{h.failed_last_24h} failed in 24 h</Link>
            </dd>
          </>
        )}
      </dl>
      {h && h.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {h.warnings.map((w) => (
            <li key={w}>
              <span class="badge status-warning">Warning</span> {w}
            </li>
          ))}
        </ul>
      )}
      {!admin && (
        <p class="note">Lifecycle actions (suspend, backups, restore, maintenance) need an admin key.</p>
      )}

      {admin && (
        <>
          {/* Keyed by the tenant their data is of: another tenant's page starts with fresh forms. */}
          <TenantStatus key={t.id} id={t.id} status={t.status} busy={busy} run={run} />

          <TenantSettings key={t.id} id={t.id} settings={t.settings} busy={busy} run={run} />

          {limits.data && (
            <TenantScheduling
              key={limits.data.tenant}
              id={limits.data.tenant}
              limits={limits.data}
              busy={busy}
              run={run}
            />
          )}

          <TenantRuns runs={runs} onEnd={reloadAll} />

          <TenantKeys key={id} id={id} busy={busy} run={run} now={now} />

          <TenantBackups
            key={t.id}
            id={t.id}
            backups={backups}
            busy={busy}
            run={run}
            now={now}
            started={started}
          />

          <TenantMaintenance key={t.id} id={t.id} busy={busy} run={run} started={started} />
        </>
      )}
    </section>
  );
}
