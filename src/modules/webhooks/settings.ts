// Webhook settings from the environment (README's configuration table): read once per app, overridable for tests
// and for the worker command. Every bound the delivery worker works within is here.
export interface WebhookSettings {
  /** CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS: live endpoints may reach private, loopback and link-local addresses. */
  allowPrivateNetworksInLive: boolean;
  /** CARDRAIL_WEBHOOK_TIMEOUT_SECONDS: a receiver must answer 2xx within this (SPEC §6: 30 s). */
  requestTimeoutMs: number;
  /** CARDRAIL_WEBHOOK_CONCURRENCY: requests in flight per process, all endpoints together. */
  concurrencyMax: number;
  /** CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY: requests in flight per process to one endpoint. */
  endpointConcurrencyMax: number;
  /** How often the worker looks for new events and due deliveries when idle. */
  pollIntervalMs: number;
  /** Events fanned out per transaction. */
  fanOutBatchSize: number;
}

export const defaultWebhookSettings: WebhookSettings = {
  allowPrivateNetworksInLive: false,
  requestTimeoutMs: 30_000,
  concurrencyMax: 32,
  endpointConcurrencyMax: 4,
  pollIntervalMs: 250,
  fanOutBatchSize: 200,
};

function positiveInteger(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`${name} must be an integer from 1 to ${max}, got "${value}"`);
  return parsed;
}

export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  return {
    ...defaultWebhookSettings,
    allowPrivateNetworksInLive: env.CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true' || env.CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS === '1',
    requestTimeoutMs: positiveInteger('CARDRAIL_WEBHOOK_TIMEOUT_SECONDS', env.CARDRAIL_WEBHOOK_TIMEOUT_SECONDS, 30, 30) * 1000,
    concurrencyMax: positiveInteger('CARDRAIL_WEBHOOK_CONCURRENCY', env.CARDRAIL_WEBHOOK_CONCURRENCY, defaultWebhookSettings.concurrencyMax, 1_000),
    endpointConcurrencyMax: positiveInteger('CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY', env.CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY, defaultWebhookSettings.endpointConcurrencyMax, 100),
  };
}

/** Keyed by the app context (or, for `cardrail worker`, its smaller context object). */
const settingsByApp = new WeakMap<object, WebhookSettings>();

/** The settings of a running app: set by `configureWebhooks`, else read from the environment on first use. */
export function webhookSettingsOf(app: object): WebhookSettings {
  let settings = settingsByApp.get(app);
  if (settings === undefined) {
    settings = webhookSettingsFromEnv();
    settingsByApp.set(app, settings);
  }
  return settings;
}

export function configureWebhooks(app: object, overrides: Partial<WebhookSettings>): WebhookSettings {
  const settings = { ...webhookSettingsOf(app), ...overrides };
  settingsByApp.set(app, settings);
  return settings;
}
