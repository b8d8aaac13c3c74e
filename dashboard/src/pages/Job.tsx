import { useState } from 'preact/hooks';
import { api, call, type JobLog } from '../api/client.ts';
import { useEventStream } from '../live.ts';
import { Link } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { dateTime, ms } from '../ui/format.ts';
import { ErrorBox, Json, Loading, ProgressBar, StatusBadge, toast } from '../ui/parts.tsx';
import { jobsListHref } from './jobs-return.ts';

type JobEvent = Pick<
  JobLog,
  'id' | 'status' | 'status_label' | 'progress' | 'step' | 'attempts' | 'error_message' | 'finished_at'
>;

export default function Job({ session, params }: { session: Session; params: Record<string, string> }) {
  const id = params.id!;
  const job = useLoad(() => call(api.GET('/api/job-logs/{id}', { params: { path: { id } } })), [id]);
  const [busy, setBusy] = useState(false);
  const [streamKey, setStreamKey] = useState(0);
  const status = job.data?.status;
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';

  // While it runs, the job's own stream; once it has ended, the page stream of its tenant (all,
  // for a central job), watched for this job: a retry from elsewhere (another tab, the CLI, a
  // bulk retry) makes it pending again, and the page follows it instead of saying "Cancelled".
  const tenant = job.data?.tenant;
  const pageStream = tenant ? `/api/events?tenant=${encodeURIComponent(tenant)}` : '/api/events';
  useEventStream(
    job.data ? (finished ? pageStream : `/api/job-logs/${id}/events#${streamKey}`) : null,
    (type, data) => {
      if (type === 'job') {
        const event = data as JobEvent;
        job.setData((d) => d && { ...d, ...event });
      } else if (type === 'end' || type === 'resync') {
        // The whole row again: result, stack and timings arrive with the end.
        job.reload();
      } else if (
        type === 'jobs' &&
        (data as { job_logs: { id: string }[] }).job_logs.some((r) => r.id === id)
      ) {
        job.reload();
      }
    },
    () => job.reload(),
  );

  const act = async (action: 'cancel' | 'retry' | 'run now') => {
    setBusy(true);
    try {
      if (action === 'cancel') {
        const r = await call(api.POST('/api/job-logs/{id}/cancel', { params: { path: { id } } }));
        toast(r.status === 'cancelled' ? `Job ${id} cancelled` : `Job ${id} is stopping`);
      } else if (action === 'run now') {
        await call(api.POST('/api/job-logs/{id}/run-now', { params: { path: { id } } }));
        toast(`Job ${id} is due now`);
      } else {
        await call(api.POST('/api/job-logs/{id}/retry', { params: { path: { id } } }));
        toast(`Job ${id} is pending again`);
      }
      job.reload();
      setStreamKey((k) => k + 1);
    } catch (err) {
      toast(`Could not ${action} job ${id}: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  if (job.error) {
    return (
      <section>
        <h1>Job {id}</h1>
        <ErrorBox error={job.error} what={`job ${id}`} />
        <p>
          <Link href={jobsListHref()}>Back to jobs</Link>
        </p>
      </section>
    );
  }
  const j = job.data;
  if (!j) return <Loading what={`job ${id}`} />;
  return (
    <section aria-labelledby="job-title">
      <p>
        <Link href={jobsListHref()}>← Jobs</Link>
      </p>
      <h1 id="job-title">
        Job #{j.id} <span class="mono">{j.task}</span>
      </h1>
      <div class="job-head">
        <StatusBadge status={j.status} label={j.status_label} />
        {j.cancel_requested_at && j.status === 'running' && <span class="badge">Cancelling</span>}
        <div class="job-progress">
          <ProgressBar
            value={j.progress}
            label="Progress"
            ended={j.status === 'failed' || j.status === 'cancelled' ? j.status : undefined}
          />
          <p class="step" aria-live="polite" data-testid="step">
            {j.step ?? (j.status === 'pending' ? 'Waiting to start' : '')}
          </p>
        </div>
        <div class="actions">
          <button
            type="button"
            disabled={
              busy || !(j.status === 'pending' || j.status === 'running') || j.cancel_requested_at !== null
            }
            onClick={() => act('cancel')}
            class="danger"
          >
            Cancel job
          </button>
          <button
            type="button"
            disabled={busy || !(j.status === 'failed' || j.status === 'cancelled')}
            onClick={() => act('retry')}
          >
            Retry job
          </button>
          {/* run_at is when it is next tried: its delay, or its retry's backoff. */}
          {j.status === 'pending' && Date.parse(j.run_at) > Date.now() && (
            <button
              type="button"
              disabled={busy}
              onClick={() => act('run now')}
              title="Start it now instead of at its run time (a delay or a retry's backoff)"
            >
              Run now
            </button>
          )}
        </div>
      </div>

      <dl class="facts">
        {session.kind === 'admin' && (
          <>
            <dt>Tenant</dt>
            <dd>{j.tenant ? <Link href={`/tenants/${j.tenant}`}>{j.tenant}</Link> : 'central'}</dd>
          </>
        )}
        <dt>Queue</dt>
        <dd>
          {j.queue}
          {j.lane ? <small class="mono"> ({j.lane})</small> : null}
        </dd>
        <dt>Attempts</dt>
        <dd>
          {j.attempts} of {j.max_attempts}
        </dd>
        <dt>Priority</dt>
        <dd>{j.priority}</dd>
        <dt>Source</dt>
        <dd>{j.source ? `${j.source.type} ${j.source.id}` : '—'}</dd>
        <dt>Created</dt>
        <dd>{dateTime(j.created_at)}</dd>
        <dt>Run at</dt>
        <dd>{dateTime(j.run_at)}</dd>
        <dt>Started</dt>
        <dd>{dateTime(j.started_at)}</dd>
        <dt>Finished</dt>
        <dd>{dateTime(j.finished_at)}</dd>
        <dt>Duration</dt>
        <dd>{ms(j.duration_ms)}</dd>
      </dl>

      {j.error_message && (
        <>
          {/* Completed with an error: a log written before 0037, which keeps it. */}
          <h2>{j.status === 'completed' ? 'Last error (a later attempt completed)' : 'Error'}</h2>
          <p class="error-box" data-testid="error-message">
            {j.error_message}
          </p>
          {j.error_stack && (
            <details>
              <summary>Stack</summary>
              <pre class="json">{j.error_stack}</pre>
            </details>
          )}
        </>
      )}
      {j.attempt_errors.length > 0 && (
        <>
          {/* A completed job keeps no error of its own: its failures are these. */}
          <h2>
            {j.status === 'completed' ? 'Failed attempts (a later attempt completed)' : 'Failed attempts'}
          </h2>
          <div class="table-wrap">
            <table data-testid="attempt-errors">
              <thead>
                <tr>
                  <th scope="col">Attempt</th>
                  <th scope="col">Failed at</th>
                  <th scope="col">Then</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {j.attempt_errors.map((e) => (
                  <tr key={`${e.at}-${e.attempt}`}>
                    <td>{e.attempt}</td>
                    <td>{dateTime(e.at)}</td>
                    <td>{e.status === 'failed' ? 'failed for good' : 'retried'}</td>
                    <td class="mono">{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h2>Payload</h2>
      <Json value={j.payload} label="Payload" />
      <h2>Meta</h2>
      <Json value={j.meta} label="Meta" />
      <h2>Result</h2>
      {j.result === null ? (
        <p class="empty">No result{finished ? '' : ' yet'}.</p>
      ) : (
        <Json value={j.result} label="Result" />
      )}
    </section>
  );
}
