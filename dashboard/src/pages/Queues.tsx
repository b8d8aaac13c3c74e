import { useEffect, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { count, dateTime, duration, rate } from '../ui/format.ts';
import { Empty, ErrorBox, Loading, Pager, StatusBadge, toast, useNow } from '../ui/parts.tsx';

type Queue = Schemas['Queue'];

const dash = (v: number | null) => (v === null ? '—' : String(v));

/** The tenant's rate (all its queues together), and the queue's own when it has one. */
const rateOf = (q: Queue) => {
  const tenant =
    q.rate_limit === null || q.rate_period_ms === null
      ? q.tenant === null
        ? '—'
        : 'none'
      : rate({ limit: q.rate_limit, period_ms: q.rate_period_ms });
  return q.queue_rate_limit === null || q.queue_rate_period_ms === null
    ? tenant
    : `${tenant}; queue ${rate({ limit: q.queue_rate_limit, period_ms: q.queue_rate_period_ms })}`;
};

/** What the lane's button does: a paused tenant resumes whole (a queue's own pause stays). */
function pauseAction(q: Queue): { label: string; action: 'pause' | 'resume'; queue?: string } {
  if (q.tenant_paused) return { label: 'Resume tenant', action: 'resume' };
  if (q.paused) return { label: 'Resume', action: 'resume', queue: q.queue };
  return { label: 'Pause', action: 'pause', queue: q.queue };
}

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
  const [busy, setBusy] = useState<string | null>(null);
  const toggle = async (q: Queue) => {
    const { label, action, queue } = pauseAction(q);
    const id = q.tenant!;
    setBusy(`${id}/${q.queue}`);
    try {
      const params = { params: { path: { id } }, body: queue ? { queue } : {} };
      await call(
        action === 'pause'
          ? api.POST('/api/tenants/{id}/pause', params)
          : api.POST('/api/tenants/{id}/resume', params),
      );
      toast(`${label}: ${id}${queue ? ` / ${queue}` : ''} done`);
      queues.reload();
    } catch (err) {
      toast(`${label} failed: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(null);
    }
  };

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
      <p class="note">
        Each tenant queue is a lane: at most <em>cap</em> of its jobs run at once, and busy lanes share the
        workers by <em>weight</em>. <em>Share</em> is the lane’s part of the jobs handed to workers
        {queues.data?.share_since
          ? ` since ${dateTime(queues.data.share_since)}`
          : ' (from the next refresh on)'}
        . Pausing stops new starts; running jobs finish.
      </p>
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
                  <th scope="col">Waiting</th>
                  <th scope="col">Admitted</th>
                  <th scope="col">Running</th>
                  <th scope="col">Delayed</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Oldest waiting</th>
                  <th scope="col">Cap</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Rate limit</th>
                  <th scope="col">Share</th>
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
                    <td>{count(q.ready)}</td>
                    <td>{count(q.admitted)}</td>
                    <td>{count(q.running)}</td>
                    <td>{count(q.scheduled)}</td>
                    <td>
                      {/* A tenant job that fails for good leaves the queue: its failures are job logs. */}
                      {q.tenant ? (
                        <Link
                          href={`/jobs?status=failed&queue=${encodeURIComponent(q.queue)}${admin ? `&tenant=${q.tenant}` : ''}`}
                          title="failed jobs of this queue, in the job logs"
                        >
                          logs
                        </Link>
                      ) : (
                        count(q.failed)
                      )}
                    </td>
                    <td>
                      {q.oldest_ready_at ? duration(Math.max(0, now - Date.parse(q.oldest_ready_at))) : '—'}
                    </td>
                    <td>{dash(q.cap)}</td>
                    <td>{dash(q.weight)}</td>
                    <td>{rateOf(q)}</td>
                    <td>{q.fair_share === null ? '—' : `${Math.round(q.fair_share * 100)}%`}</td>
                    <td>
                      {q.paused === null ? (
                        '—'
                      ) : q.paused ? (
                        <span class="badge status-warning">Paused</span>
                      ) : (
                        'no'
                      )}
                    </td>
                    <td>
                      {admin && q.tenant !== null && (
                        <button
                          type="button"
                          disabled={busy !== null}
                          aria-label={`${pauseAction(q).label} ${q.tenant} ${q.queue}`}
                          onClick={() => toggle(q)}
                        >
                          {pauseAction(q).label}
                        </button>
                      )}
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
