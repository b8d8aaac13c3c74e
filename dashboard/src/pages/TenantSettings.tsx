import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import { Json, toast } from '../ui/parts.tsx';

type Run = (what: string, fn: () => Promise<unknown>) => Promise<void>;
type Settings = Record<string, unknown>;

/** The settings the API validates, as the form holds them (an empty field: not set). */
interface Form {
  timezone: string;
  language: string;
  features: [string, boolean][];
}

const KNOWN = ['timezone', 'language', 'features'];
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const featuresOf = (s: Settings): Record<string, boolean> =>
  typeof s.features === 'object' && s.features !== null && !Array.isArray(s.features)
    ? Object.fromEntries(Object.entries(s.features).filter(([, v]) => typeof v === 'boolean'))
    : {};
const formOf = (s: Settings): Form => ({
  timezone: text(s.timezone),
  language: text(s.language),
  features: Object.entries(featuresOf(s)),
});

/**
 * The JSON Merge Patch (RFC 7396) from the saved settings to the form: only what changed, an
 * emptied field or a removed feature as null, so keys this form does not show (set through the
 * API or the CLI) are never touched and two admins editing different keys do not undo each other.
 */
export function settingsPatch(saved: Settings, form: Form): Settings {
  const patch: Settings = {};
  for (const key of ['timezone', 'language'] as const) {
    const value = form[key].trim();
    if (value !== text(saved[key])) patch[key] = value === '' ? null : value;
  }
  const before = featuresOf(saved);
  const after = Object.fromEntries(form.features);
  const features: Record<string, boolean | null> = {};
  for (const name of Object.keys(before)) if (!(name in after)) features[name] = null;
  for (const [name, on] of form.features) if (before[name] !== on) features[name] = on;
  if (Object.keys(features).length > 0) patch.features = features;
  return patch;
}

const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

/**
 * An admin edits a tenant's settings: its time zone, language and feature flags, which the API
 * validates (an unknown zone or a malformed language tag is refused, naming the field). Other
 * keys are shown as they are and left alone.
 */
export function TenantSettings(props: { id: string; settings: Settings; busy: boolean; run: Run }) {
  const { id, settings, busy, run } = props;
  const [form, setForm] = useState<Form>(() => formOf(settings));
  const [feature, setFeature] = useState('');
  const savedKey = JSON.stringify(settings);
  // Saved here or elsewhere: the form shows what holds now.
  useEffect(() => setForm(formOf(settings)), [savedKey]);
  const patch = settingsPatch(settings, form);
  const others = Object.fromEntries(Object.entries(settings).filter(([k]) => !KNOWN.includes(k)));
  const setFeatures = (features: Form['features']) => setForm({ ...form, features });
  const addFeature = () => {
    const name = feature.trim();
    if (name === '' || form.features.some(([n]) => n === name)) return;
    setFeatures([...form.features, [name, true]]);
    setFeature('');
  };
  const save = () =>
    run('Save settings', async () => {
      const body = patch;
      await call(api.PATCH('/api/tenants/{id}/settings', { params: { path: { id } }, body }));
      toast(`Settings of ${id} saved`);
    });

  return (
    <>
      <h2 id="settings-title">Settings</h2>
      <form
        class="filters"
        aria-labelledby="settings-title"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <label>
          Time zone
          <input
            list="time-zones"
            maxLength={64}
            placeholder="UTC"
            value={form.timezone}
            onInput={(e) => setForm({ ...form, timezone: e.currentTarget.value })}
          />
        </label>
        <datalist id="time-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <label>
          Language
          <input
            maxLength={35}
            placeholder="en"
            value={form.language}
            onInput={(e) => setForm({ ...form, language: e.currentTarget.value })}
          />
        </label>
        <fieldset class="features">
          <legend>Features</legend>
          {form.features.length === 0 && <span class="hint">none set</span>}
          {form.features.map(([name, on]) => (
            <span key={name} class="feature">
              <label class="check">
                <input
                  type="checkbox"
                  checked={on}
                  onChange={(e) =>
                    setFeatures(form.features.map(([n, v]) => [n, n === name ? e.currentTarget.checked : v]))
                  }
                />
                {name}
              </label>
              <button
                type="button"
                aria-label={`Remove feature ${name}`}
                onClick={() => setFeatures(form.features.filter(([n]) => n !== name))}
              >
                ×
              </button>
            </span>
          ))}
          <input
            aria-label="New feature"
            maxLength={64}
            placeholder="new feature"
            value={feature}
            onInput={(e) => setFeature(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addFeature();
              }
            }}
          />
          <button type="button" onClick={addFeature} disabled={feature.trim() === ''}>
            Add
          </button>
        </fieldset>
        <button type="submit" disabled={busy || Object.keys(patch).length === 0}>
          Save settings
        </button>
      </form>
      {Object.keys(others).length > 0 && (
        <>
          <p class="hint">Other settings, changed through the API or the CLI:</p>
          <Json value={others} label="Other settings" />
        </>
      )}
    </>
  );
}
