/** One figure, printed as DESIGN.md "Conventions" asks: a JSON line on stdout, prose on stderr. */
export interface Figure {
  bench: string;
  metric: string;
  variant: string;
  value: number;
  unit: string;
  baseline?: string;
  ratio?: number;
  /** As printed, e.g. `>= 0.4x` or `< 100 ms`; `met` says whether this run reached it. */
  target?: string;
  met?: boolean;
  /** Anything else a reader needs to judge the figure (per-window shares, counts). */
  detail?: string;
}

export function report(figure: Figure): void {
  const rounded = {
    ...figure,
    value: Number(figure.value.toFixed(2)),
    ...(figure.ratio === undefined ? {} : { ratio: Number(figure.ratio.toFixed(3)) }),
  };
  process.stdout.write(`${JSON.stringify(rounded)}\n`);
  const against = figure.baseline ? ` (${rounded.ratio}x ${figure.baseline})` : '';
  const verdict =
    figure.target === undefined ? '' : `  [target ${figure.target}: ${figure.met ? 'met' : 'MISSED'}]`;
  const note = figure.detail ? `\n    ${figure.detail}` : '';
  process.stderr.write(
    `${figure.bench} ${figure.metric} [${figure.variant}]: ${rounded.value} ${figure.unit}${against}${verdict}${note}\n`,
  );
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
