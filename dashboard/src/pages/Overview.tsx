import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { pausedStore, useEventStream, useThrottled } from '../live.ts';
import { Link } from '../router.tsx';
import type { Session } from '../session.ts';
import { useStore } from '../store.ts';
import { ThroughputChart } from '../ui/chart.tsx';
import { useLoad } from '../ui/data.ts';
import { ago, count, duration } from '../ui/format.ts';
import { Empty, ErrorBox, Loading, StatusBadge, useNow } from '../ui/parts.tsx';

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export default function Overview({ session }: { session: Session }) {
  const admin = session.kind === 'admin';
  const [window, setWindow] = useState<'hour' | 'day'>('hour');
  const now = useNow(1000);
  const stats = useLoad(() => call(api.GET('/api/job-logs/stats', {})), []);
  const throughput = useLoad(() => call(api.GET('/api/stats/throughput', {})), []);
  const queues = useLoad(() => call(api.GET('/api/queues', { params: { query: { page_size: 200 } } })), []);
  const workers = useLoad(
    () =>
      admin
        ? call(api.GET('/api/workers', { params: { query: { page_size: 200 } } }))
        : Promise.resolve(undefined),
    [admin],
  );
  const attention = useLoad(
    () =>
      admin
        ? call(api.GET('/api/stats/attention', { params: { query: { limit: 5 } } }))
        : Promise.resolve(undefined),
    [admin],
  );
  const refresh = () => {
    stats.reload();
    throughput.reload();
    queues.reload();
    workers.reload();
    attention.reload();
  };
  // Figures are re-read after changes arrive, at most every 3 seconds, whatever the job rate.
  const refreshSoon = useThrottled(refresh, 3000);
  useEventStream('/api/events', () => refreshSoon(), refresh);
  // Heartbeats are not job events: without this an idle, healthy worker aged into "Stalled".
  const paused = useStore(pausedStore);
  const reloadWorkers = workers.reload;
  useEffect(() => {
    if (!admin || paused) return;
    const timer = setInterval(reloadWorkers, 10_000);
    return () => clearInterval(timer);
  }, [admin, paused, reloadWorkers]);

  const busiest = (queues.data?.queues ?? [])
    .filter((q) => q.ready + q.running + q.scheduled > 0)
    .sort((a, b) => b.ready + b.running - (a.ready + a.running))
    .slice(0, 10);

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>

      <h2>Jobs in the last 24 hours</h2>
      {stats.error && <ErrorBox error={stats.error} what="job counts" />}
      {stats.data ? (
        <ul class="cards" aria-label="Jobs by status">
          {STATUSES.map((s) => (
            <li key={s} class="card">
              <StatusBadge status={s} />
              <Link
                class="figure"
                // The cards count the last 24 hours: so does the list they open.
                href={`/jobs?status=${s}&created_after=${encodeURIComponent(stats.data!.since)}`}
                aria-label={`${stats.data!.by_status[s]} ${s} jobs`}
              >
                {count(stats.data!.by_status[s])}
              </Link>
            </li>
          ))}
          <li class="card">
            <span class="badge" title="pending jobs due now, waiting for a worker">
              Waiting now
            </span>
            <span class="figure">{count(stats.data.now.pending - stats.data.now.scheduled)}</span>
          </li>
          <li class="card">
            <span
              class="badge"
              title="pending jobs whose time is still ahead: delayed, or backing off before a retry"
            >
              Delayed now
            </span>
            <span class="figure">{count(stats.data.now.scheduled)}</span>
          </li>
          <li class="card">
            <span class="badge">Running now</span>
            <span class="figure">{count(stats.data.now.running)}</span>
          </li>
        </ul>
      ) : (
        !stats.error && <Loading what="job counts" />
      )}

      <div class="section-head">
        <h2>Throughput and failures</h2>
        <fieldset class="segmented">
          <legend class="sr-only">Time window</legend>
          <button type="button" aria-pressed={window === 'hour'} onClick={() => setWindow('hour')}>
            Last hour
          </button>
          <button type="button" aria-pressed={window === 'day'} onClick={() => setWindow('day')}>
            Last day
          </button>
        </fieldset>
      </div>
      {throughput.error && <ErrorBox error={throughput.error} what="throughput" />}
      {throughput.data && (
        <ThroughputChart
          series={throughput.data[window]}
          label={
            window === 'hour'
              ? 'Jobs finished per minute, last hour'
              : 'Jobs finished per half hour, last day'
          }
        />
      )}

      <h2>Waiting and running per queue</h2>
      {queues.error && <ErrorBox error={queues.error} what="queues" />}
      {queues.data &&
        (busiest.length === 0 ? (
          <Empty>No job is waiting or running.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Busiest queues</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Running</th>
                  <th scope="col">Delayed</th>
                  <th scope="col">Oldest waiting</th>
                </tr>
              </thead>
              <tbody>
                {busiest.map((q) => (
                  <tr key={`${q.tenant}/${q.queue}`}>
                    <td>{q.tenant ?? <em>central</em>}</td>
                    <td>{q.queue}</td>
                    <td>{count(q.ready)}</td>
                    <td>{count(q.running)}</td>
                    <td>{count(q.scheduled)}</td>
                    <td>{q.oldest_ready_at ? duration(now - Date.parse(q.oldest_ready_at)) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <p>
        <Link href="/queues">All queues</Link>
      </p>

      {admin && (
        <>
          <h2>Workers</h2>
          {workers.error && <ErrorBox error={workers.error} what="workers" />}
          {workers.data &&
            (workers.data.workers.length === 0 ? (
              <Empty>
                No worker is running: jobs wait until one starts (`tenantry worker` or `tenantry start`).
              </Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Worker</th>
                      <th scope="col">Heartbeat</th>
                      <th scope="col">Concurrency</th>
                      <th scope="col">Active</th>
                      <th scope="col">Processed</th>
                      <th scope="col">Failed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {workers.data.workers.map((w) => {
                      const age = now - Date.parse(w.last_seen_at);
                      const stalled = w.stalled || age > workers.data!.stalled_after_ms;
                      return (
                        <tr key={w.id} class={stalled ? 'row-warning' : undefined}>
                          <td>
                            {w.hostname}:{w.pid}
                            <br />
                            <small class="mono">{w.id}</small>
                          </td>
                          <td>
                            {duration(Math.max(0, age))} ago{' '}
                            {stalled && <span class="badge status-failed">Stalled</span>}
                          </td>
                          <td>{w.concurrency}</td>
                          <td>{w.stats.active}</td>
                          <td>{count(w.stats.processed)}</td>
                          <td>{count(w.stats.failed)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ))}

          <h2>Tenants needing attention</h2>
          {attention.error && <ErrorBox error={attention.error} what="tenants" />}
          {attention.data && (
            <div class="two-col">
              <div>
                <h3>Most failures (24 h)</h3>
                {attention.data.most_failures.length === 0 ? (
                  <Empty>No tenant had a job fail.</Empty>
                ) : (
                  <ol class="ranking">
                    {attention.data.most_failures.map((t) => (
                      <li key={t.tenant}>
                        <Link href={`/jobs?tenant=${t.tenant}&status=failed`}>{t.tenant}</Link>: {t.failed}{' '}
                        failed of {t.total}
                      </li>
                    ))}
                  </ol>
                )}
              </div>
              <div>
                <h3>Oldest waiting job</h3>
                {attention.data.oldest_waiting.length === 0 ? (
                  <Empty>No tenant has a job waiting.</Empty>
                ) : (
                  <ol class="ranking">
                    {attention.data.oldest_waiting.map((t) => (
                      <li key={t.tenant}>
                        <Link href={`/queues?tenant=${t.tenant}`}>{t.tenant}</Link>: waiting{' '}
                        {ago(t.oldest_ready_at, now).replace(' ago', '')}, {t.ready} ready
                      </li>
                    ))}
                  </ol>
                )}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
