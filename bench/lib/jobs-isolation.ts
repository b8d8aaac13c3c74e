// (h) Failure isolation: 100 tenants (cap CAP each) drain a no-op backlog, timed from the
// worker's start to their last completion. The same run is repeated with one extra tenant
// (same cap) whose every job throws (3 attempts, retried after graphile-worker's backoff from
// the lane), and with one whose every job hangs until its 2 s timeout (1 attempt). The noisy
// tenant gets ten times a quiet tenant's backlog, dispatched first, so it is busy throughout.
// Figure: the 100 tenants' jobs/s with the noisy tenant over the same without it.
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import {
  CAP,
  createTenants,
  dispatchBacklog,
  figure,
  HANG_TIMEOUT_MS,
  tally,
  tenantryWorker,
} from './jobs-harness.ts';
import { median } from './report.ts';

const TENANTS = 100;
const NOISY_FACTOR = 10;

type Noise = 'none' | 'bench-fail' | 'bench-hang';

async function othersRate(bench: BenchDatabase, quiet: string[], jobs: number, noise: Noise, noisy: string) {
  if (noise !== 'none') await dispatchBacklog(bench, [noisy], (NOISY_FACTOR * jobs) / quiet.length, noise);
  await dispatchBacklog(bench, quiet, jobs);
  // A hanging job is waited for at shutdown; it ends at its timeout anyway.
  const worker = await tenantryWorker(bench, { SHUTDOWN_TIMEOUT_MS: String(HANG_TIMEOUT_MS * 2) });
  tally.reset();
  const t0 = performance.now();
  await worker.start();
  const drained = await tally.until(jobs, t0 + 120_000);
  const seconds = ((drained ? tally.lastAt : performance.now()) - t0) / 1000;
  const { done, repeats } = tally;
  await worker.stop();
  const problem = await clearJobs(bench, `isolation (${noise})`, false);
  return { rate: done / seconds, drained, problem, repeats };
}

export async function failureIsolation(bench: BenchDatabase, jobs: number, rounds: number): Promise<void> {
  const quiet = await createTenants(bench, TENANTS, 'iso');
  const [noisy] = await createTenants(bench, 1, 'noisy');
  const rates: Record<Noise, number[]> = { none: [], 'bench-fail': [], 'bench-hang': [] };
  const ratios: Record<'bench-fail' | 'bench-hang', number[]> = { 'bench-fail': [], 'bench-hang': [] };
  const notes: Record<Noise, string[]> = { none: [], 'bench-fail': [], 'bench-hang': [] };
  for (let round = 0; round < rounds; round++) {
    // The three runs of a round side by side (the ratio compares neighbours), their order
    // rotated from round to round so that none always goes first.
    const order = (['none', 'bench-fail', 'bench-hang'] as const).map(
      (_, i, all) => all[(i + round) % all.length]!,
    );
    for (const noise of order) {
      const { rate, drained, problem, repeats } = await othersRate(bench, quiet, jobs, noise, noisy!);
      rates[noise].push(rate);
      if (!drained) notes[noise].push(`run ${round + 1} cut at 120 s`);
      if (repeats) notes[noise].push(`${repeats} jobs ran twice`);
      if (problem) notes[noise].push(problem);
    }
    for (const noise of ['bench-fail', 'bench-hang'] as const)
      ratios[noise].push(rates[noise][round]! / rates.none[round]!);
  }
  const clean = median(rates.none);
  const variant = `${TENANTS} tenants, ${jobs.toLocaleString('en')} no-op jobs, cap ${CAP}`;
  figure({
    metric: 'isolation: throughput of the others, no noisy tenant',
    variant,
    value: clean,
    unit: 'jobs/s',
    detail: `runs ${rates.none.map((r) => r.toFixed(0)).join(', ')}${notes.none.map((n) => `; ${n}`).join('')}`,
  });
  const labels = {
    'bench-fail': 'one tenant whose every job throws (3 attempts)',
    'bench-hang': `one tenant whose every job hangs until its ${HANG_TIMEOUT_MS / 1000} s timeout`,
  };
  for (const noise of ['bench-fail', 'bench-hang'] as const) {
    const ratio = median(ratios[noise]);
    figure({
      metric: 'isolation: throughput of the others',
      variant: `${variant}, plus ${labels[noise]}`,
      value: median(rates[noise]),
      unit: 'jobs/s',
      baseline: 'same run without it',
      ratio,
      target: '>= 0.95x',
      met: ratio >= 0.95,
      detail: `${rounds > 1 ? `median of ${rounds} rounds; ` : ''}ratios ${ratios[noise].map((r) => r.toFixed(3)).join(', ')}${notes[noise].map((n) => `; ${n}`).join('')}`,
    });
  }
}
