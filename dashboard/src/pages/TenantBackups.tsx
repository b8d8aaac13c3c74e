import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import type { paths } from '../api/schema';
import type { Loaded, RunAction } from '../ui/data.ts';
import { ago } from '../ui/format.ts';
import { Confirm, ErrorBox, toast } from '../ui/parts.tsx';

type BackupList = paths['/api/tenants/{id}/backups']['get']['responses'][200]['content']['application/json'];

/**
 * An admin's backups panel for one tenant: back up now, the backups kept (a backup whose file is
 * gone from BACKUP_DIR is flagged and cannot be restored), and a restore confirmed by typing the
 * tenant's id, since it replaces the tenant's data.
 */
export function TenantBackups(props: {
  id: string;
  backups: Loaded<BackupList | undefined>;
  busy: boolean;
  run: RunAction;
  now: number;
  started: (what: string, jobId: string) => void;
}) {
  const { id, backups, busy, run, now, started } = props;
  const [restoring, setRestoring] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const path = { params: { path: { id } } };
  return (
    <>
      <h2>Backups</h2>
      <div class="actions">
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            run('Back up', async () => {
              const r = await call(api.POST('/api/tenants/{id}/backups', { ...path, body: {} }));
              toast(`Backup started as job ${r.job_log_id}`);
              started('Backup', r.job_log_id);
            })
          }
        >
          Back up now
        </button>
      </div>
      {backups.error && <ErrorBox error={backups.error} what="backups" />}
      {backups.data &&
        (backups.data.backups.length === 0 ? (
          <p class="empty">No backup yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Backup</th>
                  <th scope="col">Taken</th>
                  <th scope="col">Size</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {backups.data.backups.map((b) => (
                  <tr key={b.id}>
                    <td class="mono">
                      {b.file_name}
                      {b.encrypted ? ' (encrypted)' : ''}
                      {b.file_missing && (
                        <span class="badge status-failed" title="its file is gone from BACKUP_DIR">
                          file missing
                        </span>
                      )}
                    </td>
                    <td>{ago(b.created_at, now)}</td>
                    <td>{(b.size_bytes / 1024).toFixed(1)} KiB</td>
                    <td>
                      <button
                        type="button"
                        disabled={busy || b.file_missing}
                        title={b.file_missing ? 'its file is missing: it cannot be restored' : undefined}
                        onClick={() => {
                          setTyped('');
                          setRestoring(b.file_name);
                        }}
                      >
                        Restore…
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}

      <Confirm
        open={restoring !== null}
        title={`Restore ${id}`}
        confirmLabel="Restore"
        danger
        ready={typed === id}
        onCancel={() => setRestoring(null)}
        onConfirm={() => {
          const backup = restoring ?? '';
          setRestoring(null);
          run('Restore', async () => {
            const r = await call(api.POST('/api/tenants/{id}/restore', { ...path, body: { backup } }));
            toast(`Restore started as job ${r.job_log_id}`);
            started(`Restore from ${backup}`, r.job_log_id);
          });
        }}
      >
        <p>
          The tenant's data is replaced by <code>{restoring ?? ''}</code>; its jobs pause while it runs.
        </p>
        <label for="restore-confirm">Type the tenant id ({id}) to confirm</label>
        <input
          id="restore-confirm"
          autoComplete="off"
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
      </Confirm>
    </>
  );
}
