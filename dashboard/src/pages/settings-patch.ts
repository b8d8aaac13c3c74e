/**
 * A tenant's settings as the dashboard's settings form edits them, and the JSON Merge Patch
 * (RFC 7396) it saves. Pure: no DOM, so it is tested on its own.
 */
export type Settings = Record<string, unknown>;

/** The settings the API validates, as the form holds them (an empty field: not set). */
export interface SettingsForm {
  timezone: string;
  language: string;
  features: [string, boolean][];
}

const isObject = (v: unknown): v is Settings => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const features = (s: Settings): Map<string, boolean> =>
  new Map(
    isObject(s.features)
      ? Object.entries(s.features).filter((e): e is [string, boolean] => typeof e[1] === 'boolean')
      : [],
  );

export const formOf = (s: Settings): SettingsForm => ({
  timezone: text(s.timezone),
  language: text(s.language),
  features: [...features(s)],
});

/**
 * What the form does not edit, shown beside it as it is: keys of its own (set through the API
 * or the CLI), and a time zone, language or feature set the form cannot show as a field (not a
 * string; not a map of booleans), so a value the server will refuse on the next save is seen.
 */
export function unshown(s: Settings): Settings {
  const rest = Object.entries(s).filter(([key, value]) => {
    if (key === 'timezone' || key === 'language') return typeof value !== 'string';
    if (key === 'features') return !isObject(value) || features(s).size !== Object.keys(value).length;
    return true;
  });
  return Object.fromEntries(rest);
}

/**
 * The merge patch from the saved settings to the form: only what changed, an emptied field or a
 * removed feature as null, so keys the form does not show are never touched and two admins
 * editing different keys do not undo each other. Feature names are compared as own keys only
 * (a feature named `constructor` is a feature like any other).
 */
export function settingsPatch(saved: Settings, form: SettingsForm): Settings {
  const patch: Settings = {};
  for (const key of ['timezone', 'language'] as const) {
    const value = form[key].trim();
    if (value !== text(saved[key])) patch[key] = value === '' ? null : value;
  }
  const before = features(saved);
  const after = new Map(form.features);
  const changed: [string, boolean | null][] = [
    ...[...before.keys()].filter((name) => !after.has(name)).map((name): [string, null] => [name, null]),
    ...form.features.filter(([name, on]) => before.get(name) !== on),
  ];
  if (changed.length > 0) patch.features = Object.fromEntries(changed);
  return patch;
}

/** RFC 7396: `patch` applied to `target` (objects merge, null removes a key). */
export function mergePatch(target: Settings, patch: Settings): Settings {
  const out: Settings = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = isObject(value) ? mergePatch(isObject(out[key]) ? out[key] : {}, value) : value;
  }
  return out;
}

/**
 * The form once the saved settings moved from `base` to `saved` (saved here, or changed
 * elsewhere and reloaded): the edits not saved yet are kept on top of what holds now, neither
 * lost nor allowed to undo a change made elsewhere.
 */
export const rebase = (base: Settings, saved: Settings, form: SettingsForm): SettingsForm =>
  formOf(mergePatch(saved, settingsPatch(base, form)));
