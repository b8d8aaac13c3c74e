import { useEffect, useRef } from 'preact/hooks';
import { api, call, type JobLog } from '../api/client.ts';
import { useEventStream } from '../live.ts';
import { Link } from '../router.tsx';
import { useLoad } from '../ui/data.ts';
import { StatusBadge, toast } from '../ui/parts.tsx';

/** An action of the tenant page that runs as a job: a backup, a restore, a maintenance. */
export interface Run {
  jobId: string;
  what: string;
}

const ENDED = ['completed', 'failed', 'cancelled'];

/**
 * The jobs this page's actions started, followed to their end: each shows its progress, and
 * when it ends the page reloads what it changed (backups, last maintenance, status) and says
 * how it ended. Those jobs are central (admin work), so the tenant's page stream never carries
 * them; without this the page kept saying "No backup yet" after a backup had finished.
 */
export function TenantRuns({ runs, onEnd }: { runs: Run[]; onEnd: () => void }) {
  if (runs.length === 0) return null;
  return (
    <ul class="runs" aria-live="polite" data-testid="tenant-runs">
      {runs.map((r) => (
        <RunLine key={r.jobId} run={r} onEnd={onEnd} />
      ))}
    </ul>
  );
}

/**
 * A job this page started, followed on its own stream (beside the page's) until it ends; then
 * read whole once more (result, error).
 */
export function useFollowedJob(jobId: string) {
  const job = useLoad(
    () => call(api.GET('/api/job-logs/{id}', { params: { path: { id: jobId } } })),
    [jobId],
  );
  const status = job.data?.status;
  const done = status !== undefined && ENDED.includes(status);
  useEventStream(
    job.data && !done ? `/api/job-logs/${jobId}/events` : null,
    (type, data) => {
      if (type === 'job') job.setData((d) => d && { ...d, ...(data as Partial<JobLog>) });
      else if (type === 'end') job.reload();
    },
    () => job.reload(),
    { secondary: true },
  );
  return { job: job.data, done };
}

function RunLine({ run, onEnd }: { run: Run; onEnd: () => void }) {
  const { job: j, done } = useFollowedJob(run.jobId);
  const status = j?.status;
  const told = useRef(false);
  useEffect(() => {
    if (!done || told.current || !j) return;
    told.current = true;
    onEnd();
    if (status === 'completed') toast(`${run.what} finished (job ${run.jobId})`);
    else toast(`${run.what} ${status}: ${j.error_message ?? 'see the job'}`, 'error');
  }, [done]);
  return (
    <li>
      {run.what}: <Link href={`/jobs/${run.jobId}`}>job {run.jobId}</Link>{' '}
      {j && <StatusBadge status={j.status} label={j.status_label} />}
      {j && !done && (
        <small>
          {' '}
          {j.progress}%{j.step ? ` ${j.step}` : ''}
        </small>
      )}
      {j && done && j.error_message && <small class="error-line"> {j.error_message}</small>}
    </li>
  );
}
