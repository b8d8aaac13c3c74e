/**
 * A figure with its target, printed as the other benchmarks print theirs (bench/lib/report.ts:
 * a JSON line on stdout, prose on stderr) plus `target` and whether it was `met`.
 */
export interface Target {
  /** As printed: `0`, `< 10 s`. */
  text: string;
  met: boolean;
}

export class ChaosReport {
  private readonly variant: string;
  missed = 0;

  constructor(variant: string) {
    this.variant = variant;
  }

  figure(metric: string, value: number, unit: string, target?: Target, detail?: string): void {
    const line = {
      bench: 'chaos',
      metric,
      variant: this.variant,
      value: Number(value.toFixed(2)),
      unit,
      ...(target ? { target: target.text, met: target.met } : {}),
      ...(detail ? { detail } : {}),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (target && !target.met) this.missed += 1;
    const verdict = target ? `  (target ${target.text}: ${target.met ? 'met' : 'MISSED'})` : '';
    const note = detail ? ` [${detail}]` : '';
    process.stderr.write(`chaos ${metric}: ${line.value} ${unit}${verdict}${note}\n`);
  }
}

export const zero = (value: number): Target => ({ text: '0', met: value === 0 });

export const below = (limit: number, unit: string, value: number | undefined): Target => ({
  text: `< ${limit} ${unit}`,
  met: value !== undefined && value >= 0 && value < limit,
});
