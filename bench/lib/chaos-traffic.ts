import type { Phase, Timeline } from './chaos-timeline.ts';

/** Who sent a request: the steady trickle (a list, a small dispatch) or the bulk dispatch. */
export type Source = 'list' | 'dispatch-one' | 'dispatch-bulk';

/** A response's class: its status, or what went wrong before one arrived. */
type Outcome = string;

export interface PhaseSummary {
  total: number;
  ok: number;
  unavailable: number;
  /** 5xx other than 503: failures. */
  otherServerErrors: number;
  clientErrors: number;
  connectionErrors: number;
  timeouts: number;
  byStatus: Record<string, number>;
}

/** API responses counted by the phase their request was sent in. */
export class Tally {
  private readonly counts = new Map<Phase, Map<Outcome, number>>();

  add(phase: Phase, outcome: Outcome): void {
    const byOutcome = this.counts.get(phase) ?? new Map<Outcome, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.counts.set(phase, byOutcome);
  }

  summary(phase: Phase): PhaseSummary {
    const byStatus = Object.fromEntries(this.counts.get(phase) ?? []);
    const sum = (keep: (outcome: string) => boolean) =>
      Object.entries(byStatus).reduce((n, [outcome, count]) => n + (keep(outcome) ? count : 0), 0);
    return {
      total: sum(() => true),
      ok: sum((o) => o.startsWith('2')),
      unavailable: sum((o) => o === '503'),
      otherServerErrors: sum((o) => o.startsWith('5') && o !== '503'),
      clientErrors: sum((o) => o.startsWith('4')),
      connectionErrors: sum((o) => o === 'connection error'),
      timeouts: sum((o) => o === 'timeout'),
      byStatus,
    };
  }
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const REQUEST_TIMEOUT_MS = 15_000;

/** The API as an outside client sees it: every request counted, none allowed to hang. */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly adminKey: string;
  private readonly timeline: Timeline;
  readonly tally = new Tally();
  /** Per source, for the summary. */
  readonly sent = new Map<Source, number>();

  constructor(baseUrl: string, adminKey: string, timeline: Timeline) {
    this.baseUrl = baseUrl;
    this.adminKey = adminKey;
    this.timeline = timeline;
  }

  async request(
    source: Source,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer | undefined> {
    const sentAt = Date.now();
    const phase = (): Phase => this.timeline.requestPhase(sentAt, Date.now());
    this.sent.set(source, (this.sent.get(source) ?? 0) + 1);
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      this.tally.add(phase(), String(response.status));
      if (response.ok) this.timeline.apiAnswered(sentAt);
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (an empty body or a proxy's page): kept as text.
      }
      return { status: response.status, body: parsed };
    } catch (err) {
      const name = (err as Error).name;
      this.tally.add(
        phase(),
        name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection error',
      );
      return undefined;
    }
  }
}

/**
 * A steady trickle while the faults happen: every `everyMs` a one-row list and a one-job
 * dispatch, not waiting for the previous ones (a hung request must not pause the sampling).
 */
export class Trickle {
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  skipped = 0;

  start(api: ApiClient, tenants: string[], onDispatched: (ids: string[]) => void, everyMs = 200): void {
    this.timer = setInterval(() => {
      // Bounded: if the API stops answering, the timeouts above drain these.
      if (this.inFlight.size >= 40) {
        this.skipped += 1;
        return;
      }
      const tenant = tenants[this.tick++ % tenants.length]!;
      this.track(api.request('list', 'GET', '/api/job-logs?page_size=1'));
      this.track(
        api
          .request('dispatch-one', 'POST', '/api/jobs', { task: 'chaos-quick', tenant, payload: {} })
          .then((answer) => {
            const id = (answer?.body as { id?: unknown } | undefined)?.id;
            if (answer?.status === 202 && typeof id === 'string') onDispatched([id]);
          }),
      );
    }, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    work.finally(() => this.inFlight.delete(work)).catch(() => {});
  }
}
