/**
 * Prometheus metrics (`--metrics.enabled`): token requests by outcome and their latency, failed sign-ins, registry
 * events ingested, index syncs and their duration, the index's size, and the process's own metrics. prom-client is
 * loaded only when metrics are on; otherwise every recording call is an empty function, so the token endpoint pays
 * nothing for them.
 */
import type { IndexSync } from '@registry-admin/registry-index';
import type { Store } from '@registry-admin/store';

/** How a token request ended, by its HTTP status. */
export type TokenOutcome = 'issued' | 'denied' | 'throttled' | 'invalid';

export interface Metrics {
  readonly enabled: boolean;
  /** `status`: the token endpoint's answer; `seconds`: how long it took. */
  tokenRequest(status: number, seconds: number): void;
  /** One failed sign-in; `via`: login, token, api, events… */
  authenticationFailed(via: string): void;
  eventsIngested(count: number): void;
  syncRun(result: 'ok' | 'failed', seconds: number): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const NO_METRICS: Metrics = {
  enabled: false,
  tokenRequest() {},
  authenticationFailed() {},
  eventsIngested() {},
  syncRun() {},
  async render() {
    return { contentType: 'text/plain', body: '' };
  },
};

export function tokenOutcome(status: number): TokenOutcome {
  if (status < 300) return 'issued';
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'denied';
  return 'invalid';
}

const PREFIX = 'registry_admin_';
/** Token requests take well under a millisecond when the password is cached; argon2 checks take tens. */
const TOKEN_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SYNC_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

export async function createMetrics(store: Store): Promise<Metrics> {
  const client = await import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const tokenRequests = new client.Counter({
    name: `${PREFIX}token_requests_total`,
    help: 'Token requests answered, by outcome (issued, denied, throttled, invalid)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const tokenSeconds = new client.Histogram({
    name: `${PREFIX}token_request_duration_seconds`,
    help: 'Time to answer a token request',
    buckets: TOKEN_BUCKETS,
    registers: [registry],
  });
  const authFailures = new client.Counter({
    name: `${PREFIX}authentication_failures_total`,
    help: 'Failed sign-ins (wrong password, token or secret), by where they were tried',
    labelNames: ['via'] as const,
    registers: [registry],
  });
  const events = new client.Counter({
    name: `${PREFIX}registry_events_ingested_total`,
    help: 'Registry notification events recorded (each once, whatever the retries)',
    registers: [registry],
  });
  const syncRuns = new client.Counter({
    name: `${PREFIX}sync_runs_total`,
    help: 'Index syncs with the registry, by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const syncSeconds = new client.Histogram({
    name: `${PREFIX}sync_duration_seconds`,
    help: 'Duration of index syncs',
    buckets: SYNC_BUCKETS,
    registers: [registry],
  });
  const indexSize = new client.Gauge({
    name: `${PREFIX}index_size`,
    help: 'What the index holds: repositories and tags (read at scrape time)',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const stats = await store.index.stats();
      this.set({ kind: 'repositories' }, stats.repositories);
      this.set({ kind: 'tags' }, stats.tags);
    },
  });
  void indexSize;
  // Children made once: the token endpoint then increments a plain object, no label lookup per request.
  const byOutcome: Record<TokenOutcome, ReturnType<typeof tokenRequests.labels>> = {
    issued: tokenRequests.labels('issued'),
    denied: tokenRequests.labels('denied'),
    throttled: tokenRequests.labels('throttled'),
    invalid: tokenRequests.labels('invalid'),
  };
  return {
    enabled: true,
    tokenRequest(status, seconds) {
      byOutcome[tokenOutcome(status)].inc();
      tokenSeconds.observe(seconds);
    },
    authenticationFailed(via) {
      authFailures.labels(via).inc();
    },
    eventsIngested(count) {
      if (count > 0) events.inc(count);
    },
    syncRun(result, seconds) {
      syncRuns.labels(result).inc();
      syncSeconds.observe(seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The same sync, with each run counted and timed (joined runs count once). */
export function measuredSync(sync: IndexSync, metrics: Metrics): IndexSync {
  if (!metrics.enabled) return sync;
  return {
    get running() {
      return sync.running;
    },
    run(onProgress) {
      if (sync.running) return sync.run(onProgress);
      const started = performance.now();
      const run = sync.run(onProgress);
      run.then(
        () => metrics.syncRun('ok', (performance.now() - started) / 1000),
        () => metrics.syncRun('failed', (performance.now() - started) / 1000),
      );
      return run;
    },
  };
}
