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
export async function signIn(key: string, remember?: boolean): Promise<Session> {
  keyStore.set(key);
  try {
    const session = await call(api.GET('/api/session'));
    // Kept when asked; signing in at the form without it leaves no earlier kept key (someone
    // else's) behind. Undefined (a reload signing in again): the kept key stays as it is.
    if (remember === true) keyStore.remember(key);
    else if (remember === false) keyStore.forget();
    sessionStore.set(session);
    signOutReason.set(null);
    return session;
  } catch (err) {
    // A failed sign-in (a mistyped key, the server away) forgets only what this tab was given.
    keyStore.clearTab();
    throw err;
  }
}

/** Signs this tab out; the browser's kept key goes too when it is this tab's (a sign-out, a key refused). */
export function signOut(reason: string | null = null): void {
  keyStore.forget(keyStore.tab());
  keyStore.clearTab();
  signOutReason.set(reason);
  sessionStore.set(null);
}

const refused = (err: unknown) =>
  err instanceof ApiError && (err.status === 401 || err.code === 'tenant_unavailable');

/** On load: a key kept in this tab (or kept in this browser) signs in again. */
export async function resume(): Promise<void> {
  const key = keyStore.get();
  if (!key) return;
  try {
    await signIn(key);
  } catch (err) {
    // Only a key that was refused is forgotten; the server away on load keeps it for a reload.
    if (refused(err)) keyStore.forget(key);
    signOutReason.set(err instanceof ApiError ? err.message : null);
    sessionStore.set(null);
  }
}

// The kept key this tab signed in with was removed in another tab (a sign-out there): this
// tab signs out too. Tabs signed in with a key of their own are left alone.
window.addEventListener('storage', (event) => {
  if (event.key === 'tenantry.key' && event.newValue === null && sessionStore.get()) {
    if (event.oldValue !== null && event.oldValue === keyStore.tab()) signOut('signed out in another tab');
  }
});

setUnauthorizedHandler((error) => {
  if (sessionStore.get()) signOut(error.message);
});

export const isAdmin = (s: Session | null) => s?.kind === 'admin';
