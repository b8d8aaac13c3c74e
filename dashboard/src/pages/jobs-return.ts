/**
 * The jobs list as the user last left it (its filters, from the URL), so a job page's "← Jobs"
 * returns to that list rather than to every job. Module state: it lives as long as the page, and
 * a job page opened directly (a shared link) goes back to the unfiltered list.
 */
let lastSearch = '';

export function rememberJobsList(query: URLSearchParams): void {
  const search = query.toString();
  lastSearch = search ? `?${search}` : '';
}

export function jobsListHref(): string {
  return `/jobs${lastSearch}`;
}
