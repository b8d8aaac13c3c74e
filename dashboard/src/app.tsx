import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api/client.ts';
import { liveStateStore, pausedStore } from './live.ts';
import { SignIn } from './pages/SignIn.tsx';
import { Link, useLocation } from './router.tsx';
import { isAdmin, type Session, sessionStore, signOut } from './session.ts';
import { useStore } from './store.ts';
import { ErrorBox, Loading, Toasts } from './ui/parts.tsx';

type PageModule = { default: ComponentType<{ session: Session; params: Record<string, string> }> };

interface Route {
  pattern: RegExp;
  title: string;
  load: () => Promise<PageModule>;
  admin?: boolean;
}

// Each page is its own chunk, fetched when first visited: the first load stays small.
const ROUTES: Route[] = [
  { pattern: /^\/$/, title: 'Overview', load: () => import('./pages/Overview.tsx') },
  { pattern: /^\/jobs$/, title: 'Jobs', load: () => import('./pages/Jobs.tsx') },
  { pattern: /^\/jobs\/(?<id>\d{1,18})$/, title: 'Job', load: () => import('./pages/Job.tsx') },
  { pattern: /^\/queues$/, title: 'Queues', load: () => import('./pages/Queues.tsx') },
  { pattern: /^\/tenants$/, title: 'Tenants', load: () => import('./pages/Tenants.tsx') },
  {
    pattern: /^\/tenants\/(?<id>[a-z0-9]+(?:-[a-z0-9]+)*)$/,
    title: 'Tenant',
    load: () => import('./pages/Tenant.tsx'),
  },
  { pattern: /^\/schedules$/, title: 'Schedules', load: () => import('./pages/Schedules.tsx'), admin: true },
  { pattern: /^\/exports$/, title: 'Exports', load: () => import('./pages/Exports.tsx') },
  { pattern: /^\/files$/, title: 'Files', load: () => import('./pages/Files.tsx') },
];

const NAV: { href: string; label: string; admin?: boolean; match: RegExp }[] = [
  { href: '/', label: 'Overview', match: /^\/$/ },
  { href: '/jobs', label: 'Jobs', match: /^\/jobs/ },
  { href: '/queues', label: 'Queues', match: /^\/queues/ },
  { href: '/tenants', label: 'Tenants', match: /^\/tenants/ },
  { href: '/schedules', label: 'Schedules', admin: true, match: /^\/schedules/ },
  { href: '/exports', label: 'Exports', match: /^\/exports/ },
  { href: '/files', label: 'Files', match: /^\/files/ },
];

const LIVE_TEXT = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  paused: 'Paused',
  hidden: 'Paused while hidden',
  stopped: 'Not live',
};

function LiveToggle() {
  const paused = useStore(pausedStore);
  const state = useStore(liveStateStore);
  return (
    <div class="live">
      <span class={`live-state live-${state}`} role="status">
        <span aria-hidden="true" class="dot" />
        {LIVE_TEXT[state]}
      </span>
      <button type="button" aria-pressed={paused} onClick={() => pausedStore.set(!paused)}>
        {paused ? 'Resume updates' : 'Pause updates'}
      </button>
    </div>
  );
}

function PageHost({ session }: { session: Session }) {
  const { path } = useLocation();
  const match = ROUTES.map((r) => ({ route: r, m: r.pattern.exec(path) })).find((x) => x.m);
  const [mod, setMod] = useState<{ route: Route; page: PageModule } | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  // "Try again" after a failed download: the server was away a moment, or a redeploy.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    // A page without a stream of its own shows "Not live", not the last page's state.
    liveStateStore.set('stopped');
    if (!match) return;
    document.title = `${match.route.title} · Tenantry`;
    // A failed download of another page (the server was away) must not stay on every page after.
    setError(undefined);
    let current = true;
    match.route.load().then(
      (page) => current && setMod({ route: match.route, page }),
      () =>
        current &&
        setError({
          status: 0,
          code: 'network',
          title: 'Could not load the page',
          message: 'the page could not be downloaded',
          name: 'ApiError',
        } as ApiError),
    );
    return () => {
      current = false;
    };
  }, [match?.route, attempt]);
  if (!match) {
    return (
      <section>
        <h1>Not found</h1>
        <p>
          There is no page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
        </p>
      </section>
    );
  }
  if (match.route.admin && !isAdmin(session)) {
    return (
      <section>
        <h1>{match.route.title}</h1>
        <ErrorBox
          error={
            {
              status: 403,
              code: 'forbidden',
              title: 'Forbidden',
              message: 'this page is for admin keys; a tenant key sees its own tenant only',
            } as ApiError
          }
        />
      </section>
    );
  }
  if (error) {
    return (
      <section>
        <ErrorBox error={error} />
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </section>
    );
  }
  if (!mod || mod.route !== match.route) return <Loading what={match.route.title.toLowerCase()} />;
  const Page = mod.page.default;
  return <Page session={session} params={{ ...(match.m?.groups ?? {}) }} />;
}

export function App({ ready }: { ready: boolean }) {
  const session = useStore(sessionStore);
  const { path } = useLocation();
  if (!ready) return <Loading what="the dashboard" />;
  if (!session) return <SignIn />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <Link href="/">Tenantry</Link>
          <span class="who" data-testid="who">
            {session.kind === 'admin' ? 'Admin' : `Tenant ${session.tenant_name ?? ''} (${session.tenant})`}
          </span>
        </div>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((n) => !n.admin || isAdmin(session)).map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={n.match.test(path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <LiveToggle />
        <button type="button" class="signout" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <PageHost session={session} />
      </main>
      <Toasts />
    </>
  );
}
