import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a whole number of 1 or more');
  return Number(value);
}

/** For repeatable options: `--tenant a --tenant b`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
