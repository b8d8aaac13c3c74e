import { useState } from 'preact/hooks';
import { api, call, downloadWithKey, type JobLogSummary } from '../api/client.ts';
import { useEventStream, useThrottled } from '../live.ts';
import { Link } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { ago } from '../ui/format.ts';
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

export default function Exports({ session }: { session: Session }) {
  const admin = session.kind === 'admin';
  const [token, setToken] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<{ id: string; label: string } | null>(null);
  const [removing, setRemoving] = useState(false);
  const now = useNow(10_000);
  const list = useLoad(
    () => call(api.GET('/api/exports/status', { params: { query: { page_size: 50, page_token: token } } })),
    [token],
  );
  const refresh = useThrottled(() => list.reload(), 1000);
  useEventStream(
    '/api/events',
    (type, data) => {
      if (type !== 'jobs') return refresh();
      const rows = (data as { job_logs: JobLogSummary[] }).job_logs.filter((j) => j.task === 'export-data');
      if (rows.length === 0) return;
      const byLog = new Map(rows.map((r) => [r.id, r]));
      list.setData(
        (d) =>
          d && {
            ...d,
            exports: d.exports.map((e) => {
              const j = e.job_log_id ? byLog.get(e.job_log_id) : undefined;
              return j
                ? {
                    ...e,
                    status: j.status,
                    progress: j.progress,
                    step: j.step,
                    error_message: j.error_message,
                  }
                : e;
            }),
          },
      );
      // A finished export gains its size and download link from its own row.
      if (rows.some((r) => r.status !== 'running' && r.status !== 'pending')) refresh();
    },
    list.reload,
  );
  const rows = list.data?.exports ?? [];

  return (
    <section aria-labelledby="exports-title">
      <h1 id="exports-title" tabIndex={-1}>
        Exports
      </h1>
      <form
        class="filters"
        aria-label="Start an export"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          setBusy(true);
          try {
            const tenant = String(form.get('tenant') ?? '').trim();
            const r = await call(
              api.POST('/api/exports', {
                body: {
                  export_type: form.get('export_type') as 'clients' | 'appointments' | 'job_logs',
                  format: form.get('format') as 'csv' | 'json',
                  ...(admin && tenant ? { tenant } : {}),
                },
              }),
            );
            toast(`Export ${r.id} started`);
            setToken(undefined);
            list.reload();
          } catch (err) {
            toast(`The export could not start: ${(err as Error).message}`, 'error');
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Data
          <select name="export_type">
            <option value="clients">clients</option>
            <option value="appointments">appointments</option>
            <option value="job_logs">job logs</option>
          </select>
        </label>
        <label>
          Format
          <select name="format">
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </select>
        </label>
        {admin && (
          <label>
            Tenant
            <input name="tenant" required placeholder="tenant id" />
          </label>
        )}
        <div class="filter-actions">
          <button type="submit" class="primary" disabled={busy}>
            Start export
          </button>
        </div>
      </form>
      {list.error && <ErrorBox error={list.error} what="exports" />}
      {!list.data && !list.error && <Loading what="exports" />}
      {list.data &&
        (rows.length === 0 ? (
          <Empty>No export yet.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Exports, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Export</th>
                  {admin && <th scope="col">Tenant</th>}
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="sr-only">Download or delete</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id} data-export={e.id}>
                    <td>
                      #{e.id} {e.export_type} ({e.format})
                      {e.job_log_id && (
                        <div>
                          <Link href={`/jobs/${e.job_log_id}`}>job {e.job_log_id}</Link>
                        </div>
                      )}
                    </td>
                    {admin && <td>{e.tenant}</td>}
                    <td>
                      <StatusBadge status={e.status} />
                      {e.error_message && <div class="error-line">{e.error_message}</div>}
                    </td>
                    <td>
                      <ProgressBar value={e.progress} label={`Progress of export ${e.id}`} />
                      {e.step && <small>{e.step}</small>}
                    </td>
                    <td>{e.row_count ?? '—'}</td>
                    <td>{ago(e.created_at, now)}</td>
                    <td>
                      <button
                        type="button"
                        disabled={e.status !== 'completed'}
                        onClick={() =>
                          downloadWithKey(`/api/exports/${e.id}/download`, e.filename).catch((err: Error) =>
                            toast(`Download failed: ${err.message}`, 'error'),
                          )
                        }
                      >
                        Download <span class="sr-only">export {e.id}</span>
                      </button>{' '}
                      <button
                        type="button"
                        disabled={removing || e.status === 'pending' || e.status === 'running'}
                        title={
                          e.status === 'pending' || e.status === 'running'
                            ? 'Its job may still write it: cancel the job first'
                            : undefined
                        }
                        onClick={() =>
                          setDeleting({
                            id: e.id,
                            label: `#${e.id} ${e.export_type} (${e.format})${admin ? ` of ${e.tenant}` : ''}`,
                          })
                        }
                      >
                        Delete… <span class="sr-only">export {e.id}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager next={list.data?.next_page_token} token={token} onPage={setToken} />
      <Confirm
        open={deleting !== null}
        title="Delete export"
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (!target) return;
          setRemoving(true);
          call(api.DELETE('/api/exports/{id}', { params: { path: { id: target.id } } }))
            .then(() => {
              toast(`Export ${target.label} deleted`);
              // Its row, with the button the dialog gave focus back to, goes: focus would fall to
              // the page's body, and a keyboard user would start over from the top.
              document.getElementById('exports-title')?.focus();
              list.reload();
            })
            .catch((err: Error) => toast(`The export could not be deleted: ${err.message}`, 'error'))
            .finally(() => setRemoving(false));
        }}
      >
        <p>
          Delete export {deleting?.label} and its file? Its room in the tenant's export quota is freed. This
          cannot be undone.
        </p>
      </Confirm>
    </section>
  );
}
