import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api/client.ts';
import type { RunAction } from '../ui/data.ts';
import { Json, toast } from '../ui/parts.tsx';
import {
  formOf,
  rebase,
  type Settings,
  type SettingsForm,
  settingsPatch,
  unshown,
} from './settings-patch.ts';

const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

/**
 * An admin edits a tenant's settings: its time zone, language and feature flags, which the API
 * validates (an unknown zone or a malformed language tag is refused, naming the field). Other
 * keys are shown as they are and left alone.
 */
export function TenantSettings(props: { id: string; settings: Settings; busy: boolean; run: RunAction }) {
  const { id, settings, busy, run } = props;
  const [form, setForm] = useState<SettingsForm>(() => formOf(settings));
  // The settings the form was last brought up to: its edits are what differs from them.
  const [base, setBase] = useState<Settings>(settings);
  const [feature, setFeature] = useState('');
  const savedKey = JSON.stringify(settings);
  // Saved here or changed elsewhere: the form shows what holds now, with the edits not saved yet.
  useEffect(() => {
    setForm((f) => rebase(base, settings, f));
    setBase(settings);
  }, [savedKey]);
  const patch = settingsPatch(settings, form);
  const others = unshown(settings);
  const setFeatures = (features: SettingsForm['features']) => setForm({ ...form, features });
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
          <p class="hint">Other settings (changed through the API or the CLI):</p>
          <Json value={others} label="Other settings" />
        </>
      )}
    </>
  );
}
