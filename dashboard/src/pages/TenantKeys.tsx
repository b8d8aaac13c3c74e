import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { type RunAction, useLoad } from '../ui/data.ts';
import { ago, dateTime } from '../ui/format.ts';
import { NewKey } from '../ui/new-key.tsx';
import { Confirm, ErrorBox, toast } from '../ui/parts.tsx';

/**
 * An admin's API keys panel for one tenant: rotation is create a key, move the clients to it,
 * watch the old key's last use stop, revoke it. A new key is shown once, here, until dismissed:
 * the server keeps only its hash. Revoking asks first, naming the key, since clients using it get
 * 401 from the next request.
 */
export function TenantKeys({
  id,
  busy,
  run,
  now,
}: {
  id: string;
  busy: boolean;
  run: RunAction;
  now: number;
}) {
  const path = { params: { path: { id } } };
  const keys = useLoad(() => call(api.GET('/api/tenants/{id}/keys', path)), [id]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ key: string; prefix: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; label: string } | null>(null);

  const create = () =>
    run('Create key', async () => {
      const body = name.trim() === '' ? {} : { name: name.trim() };
      const r = await call(api.POST('/api/tenants/{id}/keys', { ...path, body }));
      setCreated({ key: r.key, prefix: r.prefix });
      setName('');
      keys.reload();
    });

  return (
    <>
      <h2 id="api-keys-title" tabIndex={-1}>
        API keys
      </h2>
      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          create();
        }}
      >
        <label>
          New key name{' '}
          <input
            value={name}
            maxLength={100}
            placeholder="default"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Create key
        </button>
      </form>
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      {keys.error && <ErrorBox error={keys.error} what="API keys" />}
      {keys.data && (
        <div class="table-wrap">
          <table data-testid="api-keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id} data-key={k.id}>
                  <td>{k.name}</td>
                  <td class="mono">{k.prefix}…</td>
                  <td title={dateTime(k.created_at)}>{ago(k.created_at, now)}</td>
                  <td>{k.last_used_at ? ago(k.last_used_at, now) : 'never'}</td>
                  <td>
                    {k.revoked_at ? (
                      `revoked ${ago(k.revoked_at, now)}`
                    ) : (
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => setRevoking({ id: k.id, label: `${k.name} (${k.prefix}…)` })}
                      >
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Confirm
        open={revoking !== null}
        title="Revoke API key"
        confirmLabel="Revoke"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const key = revoking;
          setRevoking(null);
          if (!key) return;
          run('Revoke key', async () => {
            await call(
              api.DELETE('/api/tenants/{id}/keys/{keyId}', { params: { path: { id, keyId: key.id } } }),
            );
            toast(`Key ${key.label} revoked`);
            // Its Revoke button, which the dialog gave focus back to, goes with the reload.
            document.getElementById('api-keys-title')?.focus();
            keys.reload();
          });
        }}
      >
        <p>
          Revoke {revoking?.label}? Requests with it are refused (401) from the next one on. This cannot be
          undone.
        </p>
      </Confirm>
    </>
  );
}
