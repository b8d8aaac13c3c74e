import type { ComponentChildren } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client.ts';
import { Store, useStore } from '../store.ts';

const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  active: 'Active',
  inactive: 'Inactive',
  suspended: 'Suspended',
};

/** A status as text first; the colour only repeats it. */
export function StatusBadge({ status, label }: { status: string; label?: string | undefined }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      <span aria-hidden="true" class="dot" />
      {label ?? STATUS_LABELS[status] ?? status}
    </span>
  );
}

export function ProgressBar({ value, label, ended }: { value: number; label: string; ended?: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      class={ended ? `progress progress-${ended}` : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={v}
    >
      <div class="progress-fill" style={{ width: `${v}%` }} />
      <span class="progress-text">{v}%</span>
    </div>
  );
}

const HINTS: Record<string, string> = {
  unauthorized: 'Sign in again with a valid key.',
  tenant_unavailable: 'An admin can reactivate the tenant from the Tenants page.',
  forbidden: 'This needs an admin key.',
  not_found: 'It does not exist, or it belongs to another tenant.',
  network: 'Check that Tenantry is running.',
};

export function ErrorBox({ error, what }: { error: ApiError; what?: string }) {
  return (
    <div class="error-box" role="alert">
      <strong>
        {what ? `Could not load ${what}: ` : ''}
        {error.title}
        {error.status ? ` (${error.status})` : ''}
      </strong>
      <p>{error.message}</p>
      {HINTS[error.code] && <p class="hint">{HINTS[error.code]}</p>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** Keyset paging: the tokens of the pages before this one are kept, so Previous works too. */
export function Pager(props: {
  next: string | null | undefined;
  token: string | undefined;
  onPage: (token: string | undefined) => void;
}) {
  const history = useRef<(string | undefined)[]>([]);
  const { next, token, onPage } = props;
  if (!next && token === undefined) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        disabled={token === undefined}
        onClick={() => {
          history.current = [];
          onPage(undefined);
        }}
      >
        First page
      </button>
      <button type="button" disabled={token === undefined} onClick={() => onPage(history.current.pop())}>
        Previous
      </button>
      <button
        type="button"
        disabled={!next}
        onClick={() => {
          history.current.push(token);
          onPage(next ?? undefined);
        }}
      >
        Next page
      </button>
    </nav>
  );
}

/** A modal confirmation (native <dialog>: focus stays inside, Escape cancels). */
export function Confirm(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  /** The confirm button stays disabled until this is true (e.g. the tenant id was typed). */
  ready?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // One id per dialog: a page with several (a tenant's: suspend, restore, revoke a key) would
  // otherwise name every dialog after the first one's title.
  const titleId = useId();
  // A layout effect, not a plain one: a plain effect waits for the next frame, and a confirmed
  // action whose request answers before it moves focus while the dialog is still modal (so the
  // move is refused) and then loses it when the dialog closes late and hands it back.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={props.onCancel}
      onClose={() => props.open && props.onCancel()}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Close
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={props.ready === false}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  return (
    <section class="json-wrap" aria-label={label}>
      <pre class="json">{text}</pre>
    </section>
  );
}

/** Messages after an action, read out by screen readers. */
export const toastStore = new Store<{ id: number; text: string; kind: 'ok' | 'error' }[]>([]);
let toastId = 0;
export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const id = ++toastId;
  toastStore.set([...toastStore.get(), { id, text, kind }]);
  setTimeout(() => toastStore.set(toastStore.get().filter((t) => t.id !== id)), 6000);
}

export function Toasts() {
  const toasts = useStore(toastStore);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <p key={t.id} class={`toast toast-${t.kind}`}>
          {t.text}
        </p>
      ))}
    </div>
  );
}

/** Re-renders every `ms`, for ages that keep counting between refreshes. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
