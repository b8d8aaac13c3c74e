import { useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { Confirm, toast } from '../ui/parts.tsx';

type Status = 'active' | 'inactive' | 'suspended';
type Run = (what: string, fn: () => Promise<unknown>) => Promise<void>;
type Asking = 'suspend' | 'deactivate' | null;

/**
 * An admin's status controls for one tenant. Suspending (a reason required, shown to the tenant)
 * and deactivating (a reason optional) both refuse its keys with 403 and hold its jobs until it
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
  run: Run;
}) {
  const [asking, setAsking] = useState<Asking>(null);
  const [reason, setReason] = useState('');
  const path = { params: { path: { id } } };
  const close = () => setAsking(null);
  const change = (what: 'Suspend' | 'Deactivate' | 'Activate', send: () => Promise<unknown>, done: string) =>
    run(what, async () => {
      await send();
      toast(`Tenant ${id} is ${done}`);
      setReason('');
    });
  // Both dialogs are in the page at once: each field has an id of its own.
  const reasonField = (kind: 'suspend' | 'deactivate', required: boolean) => (
    <>
      <label for={`${kind}-reason`}>Reason ({required ? 'shown to the tenant' : 'optional'})</label>
      <input
        id={`${kind}-reason`}
        required={required}
        maxLength={500}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
    </>
  );

  return (
    <>
      <h2>Status</h2>
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
        ready={reason.trim().length > 0}
        onCancel={close}
        onConfirm={() => {
          close();
          const body = { reason: reason.trim() };
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
          close();
          const body = reason.trim() === '' ? {} : { reason: reason.trim() };
          change(
            'Deactivate',
            () => call(api.POST('/api/tenants/{id}/deactivate', { ...path, body })),
            'inactive',
          );
        }}
      >
        <p>Its keys get 403 and its jobs wait until it is activated again; nothing of it is removed.</p>
        {reasonField('deactivate', false)}
      </Confirm>
    </>
  );
}
