import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import type { RunAction } from '../ui/data.ts';
import { Confirm, toast } from '../ui/parts.tsx';

type Status = 'active' | 'inactive' | 'suspended';
type Asking = 'suspend' | 'deactivate' | null;

/**
 * An admin's status controls for one tenant. Suspending (a reason required, shown to the tenant)
 * and deactivating (a reason optional, also shown) both refuse its keys with 403 and hold its jobs until it
 * is activated again, so each asks first; activating does not. Deactivation is offered from
 * `active` only, as the API allows it.
 */
export function TenantStatus({
  id,
  status,
  busy,
  run,
}: {
  id: string;
  status: Status;
  busy: boolean;
  run: RunAction;
}) {
  const [asking, setAsking] = useState<Asking>(null);
  // One reason per dialog, dropped when its dialog closes: a suspension's reason typed and
  // cancelled is not sent with a deactivation.
  const [reasons, setReasons] = useState({ suspend: '', deactivate: '' });
  const path = { params: { path: { id } } };
  const close = () => {
    setAsking(null);
    setReasons({ suspend: '', deactivate: '' });
  };
  const change = (what: 'Suspend' | 'Deactivate' | 'Activate', send: () => Promise<unknown>, done: string) =>
    run(what, async () => {
      await send();
      toast(`Tenant ${id} is ${done}`);
      // The button that was pressed goes with the new status: focus stays in this section.
      document.getElementById('status-title')?.focus();
    });
  // Both dialogs are in the page at once: each field has an id of its own. Either reason is
  // shown to the tenant's API clients in their 403.
  const reasonField = (kind: 'suspend' | 'deactivate', required: boolean) => (
    <>
      <label for={`${kind}-reason`}>Reason ({required ? '' : 'optional, '}shown to the tenant)</label>
      <input
        id={`${kind}-reason`}
        required={required}
        maxLength={500}
        value={reasons[kind]}
        onInput={(e) => setReasons({ ...reasons, [kind]: e.currentTarget.value })}
      />
    </>
  );

  return (
    <>
      <h2 id="status-title" tabIndex={-1}>
        Status
      </h2>
      <div class="actions">
        {status !== 'suspended' && (
          <button type="button" class="danger" disabled={busy} onClick={() => setAsking('suspend')}>
            Suspend…
          </button>
        )}
        {status === 'active' && (
          <button type="button" disabled={busy} onClick={() => setAsking('deactivate')}>
            Deactivate…
          </button>
        )}
        {status !== 'active' && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              change('Activate', () => call(api.POST('/api/tenants/{id}/activate', path)), 'active')
            }
          >
            Activate
          </button>
        )}
      </div>

      <Confirm
        open={asking === 'suspend'}
        title={`Suspend ${id}`}
        confirmLabel="Suspend"
        danger
        ready={reasons.suspend.trim().length > 0}
        onCancel={close}
        onConfirm={() => {
          const body = { reason: reasons.suspend.trim() };
          close();
          change(
            'Suspend',
            () => call(api.POST('/api/tenants/{id}/suspend', { ...path, body })),
            'suspended',
          );
        }}
      >
        <p>Its keys get 403 with the reason and its jobs wait until it is activated again.</p>
        {reasonField('suspend', true)}
      </Confirm>

      <Confirm
        open={asking === 'deactivate'}
        title={`Deactivate ${id}`}
        confirmLabel="Deactivate"
        onCancel={close}
        onConfirm={() => {
          const reason = reasons.deactivate.trim();
          const body = reason === '' ? {} : { reason };
          close();
          change(
            'Deactivate',
            () => call(api.POST('/api/tenants/{id}/deactivate', { ...path, body })),
            'inactive',
          );
        }}
      >
        <p>
          Its keys get 403 (with the reason, if one is given) and its jobs wait until it is activated again;
          nothing of it is removed.
        </p>
        {reasonField('deactivate', false)}
      </Confirm>
    </>
  );
}
