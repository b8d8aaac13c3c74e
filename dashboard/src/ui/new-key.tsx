import type { ComponentChildren } from 'preact';
import { toast } from './parts.tsx';

/**
 * A key just made (a tenant's new key, or a provisioned tenant's first one), shown once: the
 * server keeps only its hash, so this notice is the one chance to copy it. It stays until
 * dismissed; `children` adds what goes with it (links to the new tenant, its welcome job).
 */
export function NewKey(props: {
  created: { key: string; prefix: string };
  onDone: () => void;
  children?: ComponentChildren;
}) {
  const { key, prefix } = props.created;
  return (
    <div class="notice" role="status" data-testid="new-key">
      <p>
        New key <span class="mono">{prefix}…</span>: copy it now, it is not shown again.
      </p>
      <p>
        <code class="mono">{key}</code>
      </p>
      {props.children}
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(key).then(
              () => toast('Key copied'),
              () => toast('Copy failed: select the key and copy it', 'error'),
            )
          }
        >
          Copy
        </button>
        <button type="button" onClick={props.onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
