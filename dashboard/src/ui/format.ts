/** "3 s", "4 min", "2 h 5 min", "3 d": how long ago or how far ahead, in words a glance reads. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  // `now` is a page's clock, ticking every few seconds: a row that arrived since its last tick
  // was "Created in 3 s". The time is never earlier than the real one.
  const diff = Math.max(now, Date.now()) - Date.parse(iso);
  // The server's clock and the browser's differ a little: a moment either side is "just now".
  if (Math.abs(diff) < 2000) return 'just now';
  return diff >= 0 ? `${duration(diff)} ago` : `in ${duration(diff)}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
}

export const count = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : n.toLocaleString();

const PERIODS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A rate limit as PLAN_SCHEDULING and the CLI write it (`100/1m`); `none` without one. */
export function rate(r: { limit: number; period_ms: number } | null): string {
  if (r === null) return 'none';
  const [unit, size] = PERIODS.find(([, size]) => r.period_ms % size === 0) ?? ['ms', 1];
  return `${r.limit}/${r.period_ms / size}${unit}`;
}

/** Bytes as people read them: `512 B`, `12.3 KiB`, `256 MiB`. */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
