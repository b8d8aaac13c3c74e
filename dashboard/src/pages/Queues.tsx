import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { count, duration } from '../ui/format.ts';
import { Empty, ErrorBox, Loading, Pager, StatusBadge, useNow } from '../ui/parts.tsx';

const dash = (v: number | boolean | null) =>
  v === null ? <span title="arrives with the fair scheduler">—</span> : String(v);

export default function Queues({ session }: { session: Session }) {
  const admin = session.kind === 'admin';
  const { query } = useLocation();
  const tenant = query.get('tenant') ?? undefined;
  const [token, setToken] = useState<string | undefined>(undefined);
  const now = useNow(1000);
  useEffect(() => setToken(undefined), [tenant]);
  const queues = useLoad(
    () => call(api.GET('/api/queues', { params: { query: { tenant, page_size: 100, page_token: token } } })),
    [tenant, token],
  );
  const refresh = useThrottled(() => queues.reload(), 2000);
  useEventStream(
    `/api/events${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`,
    () => refresh(),
    queues.reload,
  );
  const rows = queues.data?.queues ?? [];
  const figures = queues.data?.scheduler_figures ?? false;

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      {admin && (
        <form
          key={tenant ?? ''}
          class="filters"
          aria-label="Filter queues"
          onSubmit={(event) => {
            event.preventDefault();
            setQuery({ tenant: String(new FormData(event.currentTarget).get('tenant') ?? '').trim() });
          }}
        >
          <label>
            Tenant
            <input name="tenant" defaultValue={tenant ?? ''} placeholder="every tenant" />
          </label>
          <div class="filter-actions">
            <button type="submit" class="primary">
              Apply
            </button>
          </div>
        </form>
      )}
      {!figures && (
        <p class="note" id="scheduler-note">
          Per-lane cap, weight, rate limit, fair share, admitted jobs and pause/resume arrive with the fair
          scheduler; until then they show “—”. Today a tenant runs as many jobs of one queue at once as it has
          lanes (its concurrency).
        </p>
      )}
      {queues.error && <ErrorBox error={queues.error} what="queues" />}
      {!queues.data && !queues.error && <Loading what="queues" />}
      {queues.data &&
        (rows.length === 0 ? (
          <Empty>No queue has jobs{tenant ? ` for ${tenant}` : ''}.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Queues by tenant</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Lanes</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Admitted</th>
                  <th scope="col">Running</th>
                  <th scope="col">Delayed</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Oldest waiting</th>
                  <th scope="col">Cap</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Rate limit</th>
                  <th scope="col">Fair share</th>
                  <th scope="col">Paused</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((q) => (
                  <tr key={`${q.tenant}/${q.queue}`}>
                    <td>
                      {q.tenant ?? <em>central</em>}{' '}
                      {q.tenant_status && q.tenant_status !== 'active' && (
                        <StatusBadge status={q.tenant_status} />
                      )}
                    </td>
                    <td>
                      <Link
                        href={`/jobs?queue=${encodeURIComponent(q.queue)}${q.tenant && admin ? `&tenant=${q.tenant}` : ''}`}
                      >
                        {q.queue}
                      </Link>
                    </td>
                    <td>{q.lanes}</td>
                    <td>{count(q.ready)}</td>
                    <td>{dash(q.admitted)}</td>
                    <td>{count(q.running)}</td>
                    <td>{count(q.scheduled)}</td>
                    <td>{count(q.failed)}</td>
                    <td>
                      {q.oldest_ready_at ? duration(Math.max(0, now - Date.parse(q.oldest_ready_at))) : '—'}
                    </td>
                    <td>{dash(q.cap)}</td>
                    <td>{dash(q.weight)}</td>
                    <td>{q.rate_limit === null ? dash(null) : `${q.rate_limit}/s`}</td>
                    <td>{q.fair_share === null ? dash(null) : `${Math.round(q.fair_share * 100)}%`}</td>
                    <td>{dash(q.paused)}</td>
                    <td>
                      <button type="button" disabled aria-describedby="scheduler-note">
                        Pause
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager next={queues.data?.next_page_token} token={token} onPage={setToken} />
    </section>
  );
}
