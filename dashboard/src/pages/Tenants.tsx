import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { ago, count } from '../ui/format.ts';
import { Empty, ErrorBox, Loading, Pager, StatusBadge, useNow } from '../ui/parts.tsx';
import TenantPage from './Tenant.tsx';
import { TenantProvision } from './TenantProvision.tsx';

type Status = 'active' | 'inactive' | 'suspended';

export default function Tenants({ session }: { session: Session }) {
  // A tenant key has one tenant: its own page.
  if (session.kind === 'tenant') return <TenantPage session={session} params={{ id: session.tenant! }} />;
  return <TenantList />;
}

function TenantList() {
  const { query } = useLocation();
  const status = (query.get('status') ?? undefined) as Status | undefined;
  const [token, setToken] = useState<string | undefined>(undefined);
  const now = useNow(10_000);
  useEffect(() => setToken(undefined), [status]);
  const list = useLoad(
    () =>
      call(
        api.GET('/api/stats/tenants', { params: { query: { status, page_size: 50, page_token: token } } }),
      ),
    [status, token],
  );
  const refresh = useThrottled(() => list.reload(), 3000);
  useEventStream('/api/events', (type) => type === 'tenant' && refresh(), list.reload);
  const rows = list.data?.tenants ?? [];
  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants</h1>
      <TenantProvision onProvisioned={list.reload} />
      <form class="filters" aria-label="Filter tenants" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select name="status" onChange={(e) => setQuery({ status: e.currentTarget.value || undefined })}>
            {['', 'active', 'inactive', 'suspended'].map((s) => (
              <option key={s} value={s} selected={(status ?? '') === s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.error && <ErrorBox error={list.error} what="tenants" />}
      {!list.data && !list.error && <Loading what="tenants" />}
      {list.data &&
        (rows.length === 0 ? (
          <Empty>
            No tenant
            {status
              ? ` is ${status}`
              : ' yet: provision one above, with `tenantry tenants provision` or with `tenantry demo`'}
            .
          </Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Tenants</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Status</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Limits</th>
                  <th scope="col">Keys</th>
                  <th scope="col">Cache entries</th>
                  <th scope="col">Newest backup</th>
                  <th scope="col">Last maintenance</th>
                  <th scope="col">Failed (24 h)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => (
                  <tr key={t.id} data-tenant={t.id}>
                    <td>
                      <Link href={`/tenants/${t.id}`}>{t.name}</Link>
                      <br />
                      <small class="mono">{t.id}</small>
                    </td>
                    <td>
                      <StatusBadge status={t.status} />
                      {t.status_reason && <div class="hint">{t.status_reason}</div>}
                    </td>
                    <td>{t.plan}</td>
                    <td>
                      {t.limits.concurrency} at once
                      {t.limits.plan_tenants_per_owner !== null && (
                        <>
                          <br />
                          <small>{t.limits.plan_tenants_per_owner} per owner</small>
                        </>
                      )}
                    </td>
                    <td>{t.key_count}</td>
                    <td>{count(t.cache_entries)}</td>
                    <td>
                      {ago(t.newest_backup_at, now)}
                      {t.backup_warning && (
                        <div>
                          <span class="badge status-warning">Warning: {t.backup_warning}</span>
                        </div>
                      )}
                    </td>
                    <td>{ago(t.last_maintenance_at, now)}</td>
                    <td>
                      {t.failed_last_24h > 0 ? (
                        <Link href={`/jobs?tenant=${t.id}&status=failed`}>{t.failed_last_24h}</Link>
                      ) : (
                        0
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager next={list.data?.next_page_token} token={token} onPage={setToken} />
    </section>
  );
}
