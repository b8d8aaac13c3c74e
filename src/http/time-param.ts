import { invalid } from '../errors.ts';

/**
 * A `date-time` the schema accepted, as an instant, or a 400 naming `field`. The schema's format
 * (RFC 3339) admits a leap second (`23:59:60Z`), which JavaScript's Date cannot represent: it
 * became an Invalid Date that PostgreSQL then refused, a 400 that named no field.
 */
export function timeParam(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalid(field, `is not a valid time: "${value}"`);
  return at;
}
