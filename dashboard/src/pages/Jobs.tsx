import { useEffect, useState } from 'preact/hooks';
import { api, call, type JobLogSummary } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { ago, dateTime, ms } from '../ui/format.ts';
import {
  Confirm,
  Empty,
  ErrorBox,
  Loading,
  Pager,
  ProgressBar,
  StatusBadge,
  toast,
  useNow,
} from '../ui/parts.tsx';
import {
  BULK_WORDS,
  type BulkAction,
  bulkAll,
  describeFilter,
  FILTER_NAMES,
  type Filter,
} from './jobs-bulk.ts';
import { rememberJobsList } from './jobs-return.ts';
import { Options, useFilterSuggestions } from './jobs-suggestions.tsx';

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** datetime-local shows local time without a zone; the URL and the API keep ISO 8601 UTC. */
const toLocalInput = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

function filterOf(query: URLSearchParams): Filter {
  const filter: Filter = {};
  for (const name of FILTER_NAMES) {
    const value = query.get(name);
    if (value) filter[name] = value as never;
  }
  return filter;
}

export default function Jobs({ session }: { session: Session }) {
  const admin = session.kind === 'admin';
  const { query } = useLocation();
  const suggestions = useFilterSuggestions();
  rememberJobsList(query);
  const filter = filterOf(query);
  const key = JSON.stringify(filter);
  // The page is in the URL too: back from a job, the list is the page it was left on.
  const token = query.get('page') ?? undefined;
  const setToken = (page: string | undefined) => setQuery({ page });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<{
    action: BulkAction;
    matched: number;
    asOf: string;
    ids?: string[];
  } | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(5000);
  useEffect(() => setSelected(new Set()), [key]);
  // A selection is of the rows on screen: another page's rows are not what "selected" acted on.
  useEffect(() => setSelected(new Set()), [token]);

  const list = useLoad(
    () =>
      call(api.GET('/api/job-logs', { params: { query: { ...filter, page_size: 50, page_token: token } } })),
    [key, token],
  );
  const refetch = useThrottled(() => {
    if (token === undefined) list.reload();
  }, 2000);
  const live = useEventStream(
    `/api/events${filter.tenant ? `?tenant=${encodeURIComponent(filter.tenant)}` : ''}`,
    (type, data) => {
      if (type === 'jobs') {
        const changed = new Map((data as { job_logs: JobLogSummary[] }).job_logs.map((r) => [r.id, r]));
        list.setData((d) => d && { ...d, job_logs: d.job_logs.map((r) => changed.get(r.id) ?? r) });
        // New jobs (and rows leaving the filter) show up on the first page at most every 2 seconds.
        refetch();
      } else if (type === 'resync') refetch();
    },
    () => list.reload(),
  );

  const rows = list.data?.job_logs ?? [];
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const ask = async (action: BulkAction, ids?: string[]) => {
    setBusy(true);
    try {
      const preview = await call(
        api.POST(`/api/job-logs/${action}`, { body: { filter, ...(ids ? { ids } : {}), dry_run: true } }),
      );
      if (preview.matched === 0) {
        toast(BULK_WORDS[action].none, 'error');
        return;
      }
      setConfirm({ action, matched: preview.matched, asOf: preview.as_of, ...(ids ? { ids } : {}) });
    } catch (err) {
      toast(`Could not count the jobs: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (!confirm) return;
    const { action, ids, matched, asOf } = confirm;
    setConfirm(null);
    setBusy(true);
    try {
      const { done, skipped } = await bulkAll(action, filter, { matched, asOf }, ids);
      toast(BULK_WORDS[action].done(done) + (skipped ? `; ${skipped} had changed and were left alone` : ''));
      setSelected(new Set());
      list.reload();
    } catch (err) {
      toast(`The ${BULK_WORDS[action].noun} stopped: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form
        key={key}
        class="filters"
        aria-label="Filter jobs"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const values: Record<string, string | undefined> = {};
          for (const name of FILTER_NAMES) {
            const raw = String(form.get(name) ?? '').trim();
            values[name] = name.startsWith('created_') ? fromLocalInput(raw) : raw;
          }
          setQuery({ ...values, page: undefined });
        }}
      >
        <label>
          Status
          <select name="status">
            <option value="" selected={!filter.status}>
              any
            </option>
            {STATUSES.map((s) => (
              <option key={s} value={s} selected={filter.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Task
          <input name="task" list="task-options" defaultValue={filter.task ?? ''} placeholder="any" />
          <Options id="task-options" values={suggestions.tasks} />
        </label>
        {admin && (
          <label>
            Tenant
            <input name="tenant" list="tenant-options" defaultValue={filter.tenant ?? ''} placeholder="any" />
            <Options id="tenant-options" values={suggestions.tenants} />
          </label>
        )}
        <label>
          Queue
          <input name="queue" list="queue-options" defaultValue={filter.queue ?? ''} placeholder="any" />
          <Options id="queue-options" values={suggestions.queues} />
        </label>
        <label>
          Source type
          <input name="source_type" defaultValue={filter.source_type ?? ''} placeholder="any" />
        </label>
        <label>
          Source id
          <input name="source_id" defaultValue={filter.source_id ?? ''} placeholder="any" />
        </label>
        <label>
          Created from
          <input
            type="datetime-local"
            name="created_after"
            defaultValue={toLocalInput(filter.created_after)}
          />
        </label>
        <label>
          Created before
          <input
            type="datetime-local"
            name="created_before"
            defaultValue={toLocalInput(filter.created_before)}
          />
        </label>
        <div class="filter-actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => setQuery(Object.fromEntries([...FILTER_NAMES, 'page'].map((n) => [n, undefined])))}
          >
            Clear
          </button>
        </div>
      </form>

      <div class="toolbar" role="toolbar" aria-label="Act on jobs">
        <button
          type="button"
          disabled={busy || selected.size === 0}
          onClick={() => ask('retry', [...selected])}
        >
          Retry selected ({selected.size})
        </button>
        <button
          type="button"
          disabled={busy || selected.size === 0}
          onClick={() => ask('cancel', [...selected])}
        >
          Cancel selected ({selected.size})
        </button>
        <button
          type="button"
          disabled={busy || selected.size === 0}
          onClick={() => ask('run-now', [...selected])}
        >
          Run selected now ({selected.size})
        </button>
        <button type="button" disabled={busy} onClick={() => ask('retry')}>
          Retry all matching…
        </button>
        <button type="button" disabled={busy} onClick={() => ask('run-now')}>
          Run all matching now…
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => ask('cancel')}>
          Cancel all matching…
        </button>
        <span class="hint">{live === 'live' ? 'Rows update as jobs change.' : ''}</span>
      </div>

      {list.error && <ErrorBox error={list.error} what="jobs" />}
      {!list.data && !list.error && <Loading what="jobs" />}
      {list.data &&
        (rows.length === 0 ? (
          <Empty>No job matches these filters.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="jobs">
              <caption class="sr-only">Jobs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all jobs on this page"
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                    />
                  </th>
                  <th scope="col">Job</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  {admin && <th scope="col">Tenant</th>}
                  <th scope="col">Queue</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-job={r.id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select job ${r.id}`}
                        checked={selected.has(r.id)}
                        onChange={() => toggle(r.id)}
                      />
                    </td>
                    <td>
                      <Link href={`/jobs/${r.id}`}>
                        #{r.id} {r.task}
                      </Link>
                      {r.error_message && r.status !== 'completed' && (
                        <div class="error-line">{r.error_message}</div>
                      )}
                    </td>
                    <td>
                      <StatusBadge status={r.status} label={r.status_label} />
                      {/* A delayed job is pending too: say when it runs. */}
                      {r.status === 'pending' && Date.parse(r.run_at) - now > 2000 && (
                        <small class="runs-at" title={dateTime(r.run_at)}>
                          runs {ago(r.run_at, now)}
                        </small>
                      )}
                    </td>
                    <td>
                      {r.status === 'running' ? (
                        <>
                          <ProgressBar value={r.progress} label={`Progress of job ${r.id}`} />
                          {r.step && <small>{r.step}</small>}
                        </>
                      ) : (
                        `${r.progress}%`
                      )}
                    </td>
                    {admin && <td>{r.tenant ?? <em>central</em>}</td>}
                    <td>{r.queue}</td>
                    <td>
                      {r.attempts}/{r.max_attempts}
                    </td>
                    <td title={r.created_at}>{ago(r.created_at, now)}</td>
                    <td>{ms(r.duration_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager next={list.data?.next_page_token} token={token} onPage={setToken} />

      <Confirm
        open={confirm !== null}
        title={confirm ? BULK_WORDS[confirm.action].title : ''}
        confirmLabel={confirm ? BULK_WORDS[confirm.action].confirm(confirm.matched) : ''}
        danger={confirm?.action === 'cancel'}
        onConfirm={run}
        onCancel={() => setConfirm(null)}
      >
        {confirm && (
          <p data-testid="confirm-count">
            {BULK_WORDS[confirm.action].verb} <strong>{confirm.matched}</strong>{' '}
            {BULK_WORDS[confirm.action].which} job{confirm.matched === 1 ? '' : 's'}
            {BULK_WORDS[confirm.action].after}
            {confirm.ids ? ' of your selection' : ''} matching {describeFilter(filter)}?
          </p>
        )}
      </Confirm>
    </section>
  );
}
