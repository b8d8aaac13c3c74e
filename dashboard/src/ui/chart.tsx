interface Series {
  bucket_seconds: number;
  buckets: Bucket[];
}
interface Bucket {
  start: string;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Stacked bars of completed and failed jobs per bucket; a text summary says the same for screen readers. */
export function ThroughputChart({ series, label }: { series: Series; label: string }) {
  const { buckets } = series;
  const max = Math.max(1, ...buckets.map((b) => b.completed + b.failed));
  const width = 600;
  const height = 140;
  const bar = width / Math.max(1, buckets.length);
  const completed = buckets.reduce((s, b) => s + b.completed, 0);
  const failed = buckets.reduce((s, b) => s + b.failed, 0);
  const peak = buckets.reduce(
    (best, b) => (b.completed + b.failed > best.completed + best.failed ? b : best),
    buckets[0]!,
  );
  const summary =
    `${label}: ${completed} completed, ${failed} failed` +
    (peak && peak.completed + peak.failed > 0
      ? `; busiest ${new Date(peak.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} with ${peak.completed + peak.failed}`
      : '');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1="0" y1={height} x2={width} y2={height} class="axis" />
        {buckets.map((b, i) => {
          const ok = (b.completed / max) * height;
          const bad = (b.failed / max) * height;
          return (
            <g key={b.start}>
              <title>{`${new Date(b.start).toLocaleString()}: ${b.completed} completed, ${b.failed} failed`}</title>
              <rect
                x={i * bar + 0.5}
                y={height - ok}
                width={Math.max(1, bar - 1)}
                height={ok}
                class="bar-ok"
              />
              <rect
                x={i * bar + 0.5}
                y={height - ok - bad}
                width={Math.max(1, bar - 1)}
                height={bad}
                class="bar-failed"
              />
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key key-ok">Completed {completed}</span>{' '}
        <span class="key key-failed">Failed {failed}</span>{' '}
        <span class="hint">
          peak {max} per{' '}
          {series.bucket_seconds >= 3600
            ? 'hour'
            : series.bucket_seconds >= 60
              ? `${series.bucket_seconds / 60} min`
              : 'bucket'}
        </span>
      </figcaption>
    </figure>
  );
}
