import { describe, expect, it } from 'vitest';
import {
  formOf,
  mergePatch,
  rebase,
  settingsPatch,
  unshown,
} from '../../dashboard/src/pages/settings-patch.ts';

describe("the dashboard's settings merge patch", () => {
  const saved = {
    timezone: 'UTC',
    language: 'en',
    features: { beta: true, old: false },
    billing: { seats: 3 },
  };

  it('sends only what changed; an emptied field and a removed feature as null', () => {
    expect(settingsPatch(saved, formOf(saved))).toEqual({});
    const form = {
      timezone: ' Europe/Madrid ',
      language: '',
      features: [['beta', false]] as [string, boolean][],
    };
    const patch = settingsPatch(saved, form);
    expect(patch).toEqual({
      timezone: 'Europe/Madrid',
      language: null,
      features: { old: null, beta: false },
    });
    expect(mergePatch(saved, patch)).toEqual({
      timezone: 'Europe/Madrid',
      features: { beta: false },
      billing: { seats: 3 },
    });
  });

  it('treats feature names that objects inherit as features like any other', () => {
    const own = { features: { constructor: true, toString: false } };
    expect(formOf(own).features).toEqual([
      ['constructor', true],
      ['toString', false],
    ]);
    expect(settingsPatch(own, { ...formOf(own), features: [] })).toEqual({
      features: { constructor: null, toString: null },
    });
    expect(settingsPatch({}, { ...formOf({}), features: [['valueOf', true]] })).toEqual({
      features: { valueOf: true },
    });
  });

  it('shows beside the form what it cannot edit, and never patches it', () => {
    const odd = { timezone: 42, language: 'es', features: { beta: true, level: 3 }, plan_note: 'x' };
    expect(unshown(odd)).toEqual({ timezone: 42, features: { beta: true, level: 3 }, plan_note: 'x' });
    expect(unshown(saved)).toEqual({ billing: { seats: 3 } });
    expect(settingsPatch(odd, formOf(odd))).toEqual({});
  });

  it('keeps edits not saved yet when the saved settings change elsewhere, without undoing that change', () => {
    const form = { ...formOf(saved), language: 'es' };
    const elsewhere = { ...saved, timezone: 'Asia/Tokyo', features: { beta: true, old: false, new: true } };
    const kept = rebase(saved, elsewhere, form);
    expect(kept.language).toBe('es');
    expect(kept.timezone).toBe('Asia/Tokyo');
    expect(settingsPatch(elsewhere, kept)).toEqual({ language: 'es' });
    // Saved here: the form equals what holds, nothing left to send.
    const after = mergePatch(saved, settingsPatch(saved, form));
    expect(settingsPatch(after, rebase(saved, after, form))).toEqual({});
  });
});
