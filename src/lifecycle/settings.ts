import { AppError, invalid } from '../errors.ts';

export type TenantSettings = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON Merge Patch (RFC 7386): objects merge recursively, `null` removes a key, anything
 * else replaces. A PATCH of `{features: {beta: true}}` thus keeps the other feature flags.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function validTimeZone(zone: string): boolean {
  try {
    // Throws RangeError for anything the IANA database (as shipped with ICU) does not know.
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function validLanguageTag(tag: string): boolean {
  try {
    // getCanonicalLocales rejects what is not a well-formed BCP 47 tag.
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Checks the keys Tenantry gives meaning to; other keys are the application's own. */
export function validateSettings(settings: TenantSettings): TenantSettings {
  const { timezone, language, features } = settings;
  if (timezone !== undefined && (typeof timezone !== 'string' || !validTimeZone(timezone))) {
    throw invalid('settings.timezone', `must be an IANA time zone such as Europe/Madrid`);
  }
  if (language !== undefined && (typeof language !== 'string' || !validLanguageTag(language))) {
    throw invalid('settings.language', 'must be a BCP 47 language tag such as es or en-US');
  }
  if (features !== undefined) {
    if (!isObject(features)) throw invalid('settings.features', 'must be an object of booleans');
    for (const [name, flag] of Object.entries(features)) {
      if (typeof flag !== 'boolean') throw invalid(`settings.features.${name}`, 'must be true or false');
    }
  }
  // Bytes as stored (UTF-8), not UTF-16 units: "64 KiB" means what it says.
  if (Buffer.byteLength(JSON.stringify(settings)) > 64 * 1024) {
    throw new AppError('payload_too_large', 'tenant settings may not exceed 64 KiB', { field: 'settings' });
  }
  return settings;
}

/** The merged, validated settings; `current` is not modified. */
export function applySettingsPatch(current: TenantSettings, patch: TenantSettings): TenantSettings {
  if (!isObject(patch)) throw invalid('settings', 'must be an object');
  return validateSettings(mergePatch(current, patch) as TenantSettings);
}
