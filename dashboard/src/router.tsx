import type { ComponentChildren } from 'preact';
import { Store, useStore } from './store.ts';

export const BASE = '/dashboard';

export interface Location {
  /** The path under /dashboard, e.g. `/jobs/42`. */
  path: string;
  query: URLSearchParams;
}

const read = (): Location => ({
  path: location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/',
  query: new URLSearchParams(location.search),
});

export const locationStore = new Store<Location>(read());
addEventListener('popstate', () => locationStore.set(read()));

/** Goes to a path under /dashboard (with its query); `replace` keeps the history entry. */
export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to.startsWith('/') ? to : `/${to}`}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  locationStore.set(read());
  if (!replace) window.scrollTo(0, 0);
}

export const useLocation = () => useStore(locationStore);

/** Filters live in the URL, so a view can be shared: set or clear query parameters. */
export function setQuery(values: Record<string, string | undefined>, replace = false): void {
  const query = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') query.delete(name);
    else query.set(name, value);
  }
  const search = query.toString();
  navigate(`${locationStore.get().path}${search ? `?${search}` : ''}`, replace);
}

/** An in-app link: a real href (open in a new tab works), navigated without a reload. */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string | undefined;
  'aria-label'?: string;
  'aria-current'?: 'page' | undefined;
}) {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={`${BASE}${href}`}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
          return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
