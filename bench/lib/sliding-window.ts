// Starts counted over sliding windows: how bench:jobs (g), (g2) and bench:chaos check that a
// rate limit held.

/** Most of the sorted times `at` within any window of `ms` (both ends included but one ms). */
export function mostInSliding(at: readonly number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[j]! < at[i]! - ms + 1) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** The most starts of any one tenant within any window of `ms`; `rows` sorted by tenant, then time. */
export function mostPerTenant(rows: ReadonlyArray<{ tenant: string; at: Date }>, ms: number): number {
  const byTenant = new Map<string, number[]>();
  for (const r of rows) {
    const at = byTenant.get(r.tenant) ?? [];
    at.push(r.at.getTime());
    byTenant.set(r.tenant, at);
  }
  return Math.max(0, ...[...byTenant.values()].map((at) => mostInSliding(at, ms)));
}
