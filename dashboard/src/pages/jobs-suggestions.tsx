import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';

export interface Suggestions {
  tasks: string[];
  tenants: string[];
  queues: string[];
}

const NONE: Suggestions = { tasks: [], tenants: [], queues: [] };
const sorted = (values: Iterable<string | null | undefined>) =>
  [...new Set([...values].filter((v): v is string => !!v))].sort();

/**
 * What the job filters may be set to, offered as the fields are typed: the tasks and tenants
 * that had jobs in the last 7 days (the job-log stats) and the queues there are now. Loaded once
 * per page; a failure leaves the fields as plain text, which they stay anyway (a value not
 * offered still filters).
 */
export function useFilterSuggestions(): Suggestions {
  const [found, setFound] = useState<Suggestions>(NONE);
  useEffect(() => {
    let live = true;
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    Promise.all([
      call(api.GET('/api/job-logs/stats', { params: { query: { since } } })),
      call(api.GET('/api/queues', { params: { query: { page_size: 200 } } })),
    ]).then(
      ([stats, queues]) => {
        if (!live) return;
        setFound({
          tasks: sorted(stats.by_task.map((t) => t.task)),
          tenants: sorted((stats.by_tenant ?? []).map((t) => t.tenant)),
          queues: sorted(queues.queues.map((q) => q.queue)),
        });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  return found;
}

/** A `<datalist>` of `values` for the input that names it with `list={id}`. */
export function Options({ id, values }: { id: string; values: string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}
