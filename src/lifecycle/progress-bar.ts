import cliProgress from 'cli-progress';

export interface TenantProgress {
  tick(tenant: string, ok: boolean): void;
  stop(): void;
}

/**
 * A progress bar on stderr for operator runs over many tenants; stdout stays the report.
 * Off when stderr is not a terminal (CI logs, pipes), where a redrawn line is only noise.
 */
export function tenantProgress(label: string, total: number, stream = process.stderr): TenantProgress {
  if (!stream.isTTY || total < 2) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} {percentage}% | failed {failed} | {tenant}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  bar.start(total, 0, { failed, tenant: '' });
  return {
    tick(tenant, ok) {
      if (!ok) failed++;
      bar.increment(1, { failed, tenant });
    },
    stop: () => bar.stop(),
  };
}
