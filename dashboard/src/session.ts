import { ApiError, api, call, keyStore, setUnauthorizedHandler } from './api/client.ts';
import { Store } from './store.ts';

export interface Session {
  kind: 'admin' | 'tenant';
  tenant: string | null;
  tenant_name: string | null;
}

export const sessionStore = new Store<Session | null>(null);
/** Why the last session ended (a key that stopped working), shown on the sign-in form. */
export const signOutReason = new Store<string | null>(null);

/**
 * Checks a key against the API; keeps it (session storage, and local storage when asked to
 * `remember` it) only when it works.
 */
export async function signIn(key: string, remember = false): Promise<Session> {
  keyStore.set(key);
  try {
    const session = await call(api.GET('/api/session'));
    if (remember) keyStore.remember(key);
    sessionStore.set(session);
    signOutReason.set(null);
    return session;
  } catch (err) {
    keyStore.clear();
    throw err;
  }
}

export function signOut(reason: string | null = null): void {
  keyStore.clear();
  signOutReason.set(reason);
  sessionStore.set(null);
}

/** On load: a key kept in this tab (or kept in this browser) signs in again. */
export async function resume(): Promise<void> {
  const key = keyStore.get();
  if (!key) return;
  try {
    await signIn(key);
  } catch (err) {
    signOut(err instanceof ApiError ? err.message : null);
  }
}

// Signed out in another tab of a kept sign-in: this tab signs out too.
window.addEventListener('storage', (event) => {
  if (event.key === 'tenantry.key' && event.newValue === null && sessionStore.get()) {
    signOut('signed out in another tab');
  }
});

setUnauthorizedHandler((error) => {
  if (sessionStore.get()) signOut(error.message);
});

export const isAdmin = (s: Session | null) => s?.kind === 'admin';
