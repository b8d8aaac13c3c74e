import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { signIn, signOutReason } from '../session.ts';
import { useStore } from '../store.ts';

const MESSAGES: Record<string, string> = {
  unauthorized: 'That key is not valid. Check it and try again.',
  rate_limited: 'Too many failed sign-ins from this address. Wait a minute and try again.',
  network: 'Tenantry could not be reached. Is it running?',
};

export function SignIn() {
  const reason = useStore(signOutReason);
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [remember, setRemember] = useState(false);
  return (
    <main id="main" class="signin">
      <h1>Tenantry</h1>
      <p>Sign in with an API key: an admin key sees every tenant, a tenant key its own tenant.</p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await signIn(key.trim(), remember);
          } catch (err) {
            const e = err instanceof ApiError ? err : undefined;
            setError(
              e?.code === 'tenant_unavailable'
                ? `This tenant cannot sign in: ${e.message}.`
                : (MESSAGES[e?.code ?? ''] ?? `Sign-in failed: ${e?.message ?? String(err)}`),
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="key-note"
        />
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
          Keep me signed in on this browser (new tabs and opened links too)
        </label>
        <p id="key-note" class="hint">
          The key stays in this tab (session storage), or in this browser until you sign out when kept (local
          storage), and is sent in the Authorization header, never in a URL.
        </p>
        <button type="submit" class="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {(error ?? reason) && (
          <p class="error-box" role="alert">
            {error ?? `You were signed out: ${reason}.`}
          </p>
        )}
      </form>
    </main>
  );
}
