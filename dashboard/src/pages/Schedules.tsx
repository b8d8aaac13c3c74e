import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link } from '../router.tsx';
import { useLoad } from '../ui/data.ts';
import { ago, dateTime } from '../ui/format.ts';
import { Empty, ErrorBox, Json, Loading, Pager, StatusBadge, useNow } from '../ui/parts.tsx';

export default function Schedules() {
  const [token, setToken] = useState<string | undefined>(undefined);
  const now = useNow(1000);
  const list = useLoad(
    () => call(api.GET('/api/schedules', { params: { query: { page_size: 50, page_token: token } } })),
    [token],
  );
  const refresh = useThrottled(() => list.reload(), 5000);
  // Cron jobs are central: a change among them may be a run of an entry.
  useEventStream(
    '/api/events',
    (type, data) => {
      if (
        type === 'jobs' &&
        (data as { job_logs: { tenant: string | null }[] }).job_logs.some((j) => j.tenant === null)
      )
        refresh();
    },
    list.reload,
  );
  const rows = list.data?.schedules ?? [];
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <p class="note">
        The crontab file (CRONTAB_FILE), times in UTC. Every entry fires once per tick however many workers
        run.
      </p>
      {list.error && <ErrorBox error={list.error} what="schedules" />}
      {!list.data && !list.error && <Loading what="schedules" />}
      {list.data &&
        (rows.length === 0 ? (
          <Empty>The crontab has no entries.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Crontab entries</caption>
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last runs</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.identifier}>
                    <td>
                      <strong class="mono">{s.identifier}</strong>
                      {s.identifier !== s.task && <div class="mono">task {s.task}</div>}
                      {s.description && <div class="hint">{s.description}</div>}
                      {s.payload !== null && (
                        <details>
                          <summary>Payload</summary>
                          <Json value={s.payload} label={`Payload of ${s.identifier}`} />
                        </details>
                      )}
                    </td>
                    <td class="mono">{s.expression}</td>
                    <td title={dateTime(s.next_run_at)}>{ago(s.next_run_at, now)}</td>
                    <td>
                      {s.recent_runs.length === 0 ? (
                        <span class="hint">
                          {s.last_execution_at
                            ? `fired ${ago(s.last_execution_at, now)}; no job log kept`
                            : 'not run yet'}
                        </span>
                      ) : (
                        <ul class="runs">
                          {s.recent_runs.map((r) => (
                            <li key={r.job_log_id}>
                              <Link href={`/jobs/${r.job_log_id}`} title={r.error_message ?? undefined}>
                                <StatusBadge status={r.status} />
                              </Link>{' '}
                              <small>{ago(r.created_at, now)}</small>
                            </li>
                          ))}
                        </ul>
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
