import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { Link } from '../router.tsx';
import type { RunAction } from '../ui/data.ts';
import { Json, StatusBadge, toast } from '../ui/parts.tsx';
import { useFollowedJob } from './TenantRuns.tsx';

/**
 * An admin's maintenance panel for one tenant: what to do (analyze, vacuum, reindex bloated
 * indexes, back up first, clean up old rows), previewed as a dry run first; the run button stays
 * disabled until these very options were previewed.
 */
export function TenantMaintenance(props: {
  id: string;
  busy: boolean;
  run: RunAction;
  started: (what: string, jobId: string) => void;
}) {
  const { id, busy, run, started } = props;
  const [maintenance, setMaintenance] = useState({
    analyze: true,
    vacuum: false,
    optimize: false,
    backup: false,
    cleanup: false,
    // As typed: clearing the field to type another number must not put 365 back.
    days: '365',
  });
  const [preview, setPreview] = useState<{ jobId: string; key: string } | null>(null);
  const maintenanceKey = JSON.stringify(maintenance);
  const days = Number(maintenance.days);
  const daysWrong = maintenance.cleanup && !(Number.isInteger(days) && days >= 1 && days <= 36_500);
  const path = { params: { path: { id } } };
  const maintenanceBody = (dry: boolean) => ({
    analyze: maintenance.analyze,
    vacuum: maintenance.vacuum,
    optimize: maintenance.optimize,
    backup: maintenance.backup,
    ...(maintenance.cleanup ? { cleanup_days: Number(maintenance.days) } : {}),
    dry_run: dry,
  });
  return (
    <>
      <h2>Maintenance</h2>
      <fieldset class="maintenance">
        <legend>What to do</legend>
        {(['analyze', 'vacuum', 'optimize', 'backup'] as const).map((k) => (
          <label key={k} class="check">
            <input
              type="checkbox"
              checked={maintenance[k]}
              onChange={(e) => setMaintenance({ ...maintenance, [k]: e.currentTarget.checked })}
            />
            {k === 'optimize' ? 'optimize (reindex bloated indexes)' : k === 'backup' ? 'back up first' : k}
          </label>
        ))}
        <label class="check">
          <input
            type="checkbox"
            checked={maintenance.cleanup}
            onChange={(e) => setMaintenance({ ...maintenance, cleanup: e.currentTarget.checked })}
          />
          clean up data older than
        </label>
        <label>
          <span class="sr-only">Days</span>
          <input
            type="number"
            min={1}
            max={36500}
            value={maintenance.days}
            disabled={!maintenance.cleanup}
            onInput={(e) => setMaintenance({ ...maintenance, days: e.currentTarget.value })}
          />{' '}
          days
        </label>
      </fieldset>
      {daysWrong && (
        <p class="error-line" role="alert">
          Days must be a whole number from 1 to 36500.
        </p>
      )}
      <div class="actions">
        <button
          type="button"
          disabled={busy || daysWrong}
          onClick={() =>
            run('Preview', async () => {
              const r = await call(
                api.POST('/api/tenants/{id}/maintenance', { ...path, body: maintenanceBody(true) }),
              );
              setPreview({ jobId: r.job_log_id, key: maintenanceKey });
            })
          }
        >
          Preview (dry run)
        </button>
        <button
          type="button"
          class="primary"
          disabled={busy || daysWrong || preview?.key !== maintenanceKey}
          title={preview?.key !== maintenanceKey ? 'Preview these options first' : undefined}
          onClick={() =>
            run('Maintenance', async () => {
              const r = await call(
                api.POST('/api/tenants/{id}/maintenance', { ...path, body: maintenanceBody(false) }),
              );
              toast(`Maintenance started as job ${r.job_log_id}`);
              started('Maintenance', r.job_log_id);
              setPreview(null);
            })
          }
        >
          Run maintenance
        </button>
      </div>
      {preview && <PreviewResult jobId={preview.jobId} />}
    </>
  );
}

/** Follows the dry-run job and shows its report once it has finished. */
function PreviewResult({ jobId }: { jobId: string }) {
  const { job } = useFollowedJob(jobId);
  return (
    <div class="preview" aria-live="polite">
      <h3>
        Preview: <Link href={`/jobs/${jobId}`}>job {jobId}</Link>{' '}
        {job && <StatusBadge status={job.status} label={job.status_label} />}
      </h3>
      {job?.status === 'completed' && <Json value={job.result} label="Dry-run report" />}
      {job?.error_message && <p class="error-box">{job.error_message}</p>}
    </div>
  );
}
