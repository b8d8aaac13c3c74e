import { useEffect, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/client.ts';
import type { paths } from '../api/schema';
import { Link } from '../router.tsx';
import { useLoad } from '../ui/data.ts';
import { rate } from '../ui/format.ts';
import { NewKey } from '../ui/new-key.tsx';
import { ErrorBox } from '../ui/parts.tsx';

type Plan = Schemas['Plan'];
type ProvisionBody = paths['/api/tenants']['post']['requestBody']['content']['application/json'];

interface Fields {
  name: string;
  id: string;
  plan: string;
  owner: string;
}

const EMPTY: Fields = { name: '', id: '', plan: '', owner: '' };

/** `pro: 5 per owner, 10 of a queue at once, weight 4, rate 100/1m`. */
const planLabel = (p: Plan) =>
  `${p.plan}: ${p.tenants_per_owner} per owner, ${p.concurrency ?? 1} of a queue at once, weight ${p.weight}, rate ${rate(p.rate)}`;

/**
 * An admin provisions a tenant here as `POST /api/tenants` does: row, schema, first API key and
 * welcome email in one transaction. The plans come from the service's configuration (GET
 * /api/plans). The API checks every field and names the one it refuses (an id taken is 409, an
 * owner at the plan's limit 403); the refusal stays under the form, with what was typed, until
 * the next try. The first key is shown once, like any new key.
 */
export function TenantProvision({ onProvisioned }: { onProvisioned: () => void }) {
  const plans = useLoad(() => call(api.GET('/api/plans')), []);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<{ message: string; field: string | undefined } | null>(null);
  const [made, setMade] = useState<Schemas['Tenant'] & { key: string; prefix: string; job: string }>();
  const plan = fields.plan || plans.data?.plans[0]?.plan || '';
  const set = (name: keyof Fields) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setFields({ ...fields, [name]: e.currentTarget.value });
  const usage = useOwnerUsage(fields.owner.trim(), plan);
  // The field a refusal names is marked, and points at the refusal for screen readers.
  const invalid = (name: keyof Fields) =>
    refused?.field === name ? { 'aria-invalid': true, 'aria-describedby': 'provision-refused' } : {};

  const submit = async () => {
    const sent = fields;
    setBusy(true);
    setRefused(null);
    try {
      const r = await call(
        api.POST('/api/tenants', {
          body: {
            name: fields.name.trim(),
            // Plans are the deployment's configuration (GET /api/plans); the generated type
            // lists the default configuration's.
            plan: plan as ProvisionBody['plan'],
            ...(fields.id.trim() ? { id: fields.id.trim() } : {}),
            ...(fields.owner.trim() ? { owner: fields.owner.trim() } : {}),
          },
        }),
      );
      setMade({ ...r.tenant, key: r.api_key.key, prefix: r.api_key.prefix, job: r.welcome_job_log_id });
      // Cleared only if nothing was typed while the request ran.
      setFields((now) => (now === sent ? EMPTY : now));
      onProvisioned();
    } catch (err) {
      setRefused({ message: (err as Error).message, field: (err as { field?: string }).field });
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="provision">
      <summary>Provision a tenant</summary>
      {plans.error && <ErrorBox error={plans.error} what="plans" />}
      <form
        class="filters"
        aria-label="Provision a tenant"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Name
          <input required maxLength={200} value={fields.name} onInput={set('name')} {...invalid('name')} />
        </label>
        <label>
          Id
          <input
            maxLength={40}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            title="lowercase letters and digits in dash-separated groups"
            placeholder="from the name"
            value={fields.id}
            onInput={set('id')}
            {...invalid('id')}
          />
        </label>
        <label>
          Plan
          <select value={plan} onChange={set('plan')} aria-describedby="plan-terms" {...invalid('plan')}>
            {(plans.data?.plans ?? []).map((p) => (
              <option key={p.plan} value={p.plan} title={planLabel(p)}>
                {p.plan}
              </option>
            ))}
          </select>
        </label>
        <label>
          Owner
          <input
            maxLength={320}
            placeholder="optional"
            value={fields.owner}
            onInput={set('owner')}
            {...invalid('owner')}
          />
        </label>
        <button type="submit" disabled={busy || !plans.data}>
          Provision
        </button>
      </form>
      {plans.data && (
        <p class="hint" id="plan-terms" data-testid="plan-terms">
          {planLabel(plans.data.plans.find((p) => p.plan === plan) ?? plans.data.plans[0]!)}
          {usage && <span data-testid="owner-usage">. {usage}</span>}
        </p>
      )}
      {refused && (
        <p class="error-box" role="alert" id="provision-refused">
          Not provisioned: {refused.message}
        </p>
      )}
      {made && (
        <NewKey created={made} onDone={() => setMade(undefined)}>
          <p>
            Provisioned <Link href={`/tenants/${made.id}`}>{made.name}</Link> (
            <span class="mono">{made.id}</span>, plan {made.plan}); its{' '}
            <Link href={`/jobs/${made.job}`}>welcome email</Link> is queued.
          </p>
        </NewKey>
      )}
    </details>
  );
}

/**
 * What the owner typed already has on the plan, asked as it is typed (300 ms after the last key;
 * the last answer wins): an answer, not a reservation, since a provision checks again.
 */
function useOwnerUsage(owner: string, plan: string): string | null {
  const [usage, setUsage] = useState<string | null>(null);
  useEffect(() => {
    setUsage(null);
    if (owner === '' || plan === '') return;
    let live = true;
    const timer = setTimeout(() => {
      call(api.GET('/api/plans/usage', { params: { query: { owner, plan } } })).then(
        (r) => {
          const u = r.plans[0];
          if (!live || !u) return;
          setUsage(
            `${owner} has ${u.used} of ${u.limit} on ${u.plan}` +
              (u.can_provision ? '' : ': at the limit, a provision is refused'),
          );
        },
        () => {},
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [owner, plan]);
  return usage;
}
