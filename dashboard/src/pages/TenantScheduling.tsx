import { useEffect, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/client.ts';
import type { RunAction } from '../ui/data.ts';
import { rate } from '../ui/format.ts';
import { toast } from '../ui/parts.tsx';

type Limits = Schemas['TenantLimits'];

/** The form's fields as typed: an empty field follows the plan. */
interface Fields {
  concurrency: string;
  weight: string;
  rateLimit: string;
  rateSeconds: string;
}

const fieldsOf = (override: Limits['override']): Fields => ({
  concurrency: override.concurrency === null ? '' : String(override.concurrency),
  weight: override.weight === null ? '' : String(override.weight),
  rateLimit: override.rate === null ? '' : String(override.rate.limit),
  rateSeconds: override.rate === null ? '' : String(override.rate.period_ms / 1000),
});

const numberOrNull = (text: string) => (text.trim() === '' ? null : Number(text));

/**
 * A rate's period when its field is left empty: the plan's (what the field shows as its
 * placeholder), or a minute when the plan has no rate. Saving 60 s under a placeholder that
 * read 3600 set a limit sixty times looser than the screen said.
 */
const defaultSeconds = (plan: Limits['plan_defaults']) => (plan.rate ? plan.rate.period_ms / 1000 : 60);

/**
 * The merge patch the form stands for: every setting is sent, an empty one as null (back to the
 * plan's default), so what is saved is what is on screen.
 */
function patchOf(fields: Fields, plan: Limits['plan_defaults']) {
  const limit = numberOrNull(fields.rateLimit);
  const seconds = numberOrNull(fields.rateSeconds) ?? defaultSeconds(plan);
  return {
    concurrency: numberOrNull(fields.concurrency),
    weight: numberOrNull(fields.weight),
    rate: limit === null ? null : { limit, period_ms: Math.round(seconds * 1000) },
  };
}

/**
 * An admin's scheduling controls for one tenant: pause and resume (the tenant, or a queue paused
 * on its own), and overrides of the plan's concurrency, weight and rate limit. The API checks
 * every value and names the field it refuses; the next admission applies what was saved.
 */
export function TenantScheduling({
  id,
  limits,
  busy,
  run,
}: {
  id: string;
  limits: Limits;
  busy: boolean;
  run: RunAction;
}) {
  const [fields, setFields] = useState<Fields>(() => fieldsOf(limits.override));
  // A change saved here or elsewhere (the CLI, another operator) resets the form to what holds.
  useEffect(() => setFields(fieldsOf(limits.override)), [limits.updated_at]);
  const dirty = JSON.stringify(fields) !== JSON.stringify(fieldsOf(limits.override));
  const path = { params: { path: { id } } };
  const plan = limits.plan_defaults;
  const set = (name: keyof Fields) => (e: { currentTarget: HTMLInputElement }) =>
    setFields({ ...fields, [name]: e.currentTarget.value });

  const pause = (action: 'pause' | 'resume', queue?: string) =>
    run(action === 'pause' ? 'Pause' : 'Resume', async () => {
      const body = queue === undefined ? {} : { queue };
      await call(
        action === 'pause'
          ? api.POST('/api/tenants/{id}/pause', { ...path, body })
          : api.POST('/api/tenants/{id}/resume', { ...path, body }),
      );
      toast(`${queue ?? id} ${action === 'pause' ? 'paused' : 'resumed'}`);
    });

  return (
    <>
      <h2>Scheduling</h2>
      <div class="actions">
        {limits.paused ? (
          <button type="button" disabled={busy} onClick={() => pause('resume')}>
            Resume jobs
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => pause('pause')}>
            Pause jobs
          </button>
        )}
        <span class="note">
          {limits.paused
            ? 'Paused: nothing new of this tenant starts; its jobs wait.'
            : 'Pausing starts nothing new; running jobs finish.'}
        </span>
      </div>
      {limits.paused_queues.length > 0 && (
        <ul class="paused-queues" aria-label="Paused queues">
          {limits.paused_queues.map((queue) => (
            <li key={queue}>
              <span class="mono">{queue}</span> is paused{' '}
              <button type="button" disabled={busy} onClick={() => pause('resume', queue)}>
                Resume {queue}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run('Saving limits', async () => {
            await call(api.PATCH('/api/tenants/{id}/limits', { ...path, body: patchOf(fields, plan) }));
            toast(`Limits of ${id} saved`);
          });
        }}
      >
        <fieldset class="limits">
          <legend>Overrides (empty: the plan's default)</legend>
          <label>
            Jobs of one queue at once
            <input
              type="number"
              min={1}
              step={1}
              value={fields.concurrency}
              placeholder={String(plan.concurrency)}
              onInput={set('concurrency')}
            />
          </label>
          <label>
            Weight (share of busy workers)
            <input
              type="number"
              min={0}
              step="any"
              value={fields.weight}
              placeholder={String(plan.weight)}
              onInput={set('weight')}
            />
          </label>
          <label>
            Rate limit: starts
            <input
              type="number"
              min={1}
              step={1}
              value={fields.rateLimit}
              placeholder={plan.rate ? String(plan.rate.limit) : 'none'}
              onInput={set('rateLimit')}
            />
          </label>
          <label>
            per seconds
            <input
              type="number"
              min={0.001}
              step="any"
              value={fields.rateSeconds}
              placeholder={String(defaultSeconds(plan))}
              onInput={set('rateSeconds')}
            />
          </label>
        </fieldset>
        <p class="note">
          Plan {limits.plan}: {plan.concurrency} at once, weight {plan.weight}, rate {rate(plan.rate)}.
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !dirty}>
            Save limits
          </button>
          <button
            type="button"
            disabled={busy || !dirty}
            onClick={() => setFields(fieldsOf(limits.override))}
          >
            Undo changes
          </button>
        </div>
      </form>
    </>
  );
}
