// Versioned schema migrations, portable between SQLite and PostgreSQL: TEXT ids and JSON, BIGINT for money
// (cents) and times (epoch milliseconds), INTEGER 0/1 for flags. Append new migrations; never edit applied ones.

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Portable statements, separated by `;` at the end of a line. */
  readonly sql: string;
  /** Statements only one backend understands (triggers), run after `sql`. */
  readonly dialectSql?: { readonly sqlite: string; readonly postgres: string };
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'organizations, api keys, clocks, events, idempotency',
    sql: `
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  require_ip_allowlist INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL CHECK (environment IN ('sandbox', 'live')),
  name TEXT,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  last4 TEXT NOT NULL,
  allowed_ips TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_by_owner ON api_keys (organization_id, environment, id);
CREATE TABLE environment_clocks (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  offset_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, environment)
);
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX events_by_owner ON events (organization_id, environment, id);
CREATE TABLE idempotency_keys (
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('processing', 'completed')),
  status_code INTEGER,
  response_body TEXT,
  created_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  PRIMARY KEY (organization_id, environment, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)
`,
  },
  {
    version: 2,
    name: 'ledger, users, verifications, deposits, withdrawals',
    sql: `
CREATE TABLE ledger_accounts (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT,
  kind TEXT NOT NULL,
  currency TEXT NOT NULL,
  balance BIGINT NOT NULL DEFAULT 0,
  entry_count BIGINT NOT NULL DEFAULT 0,
  CHECK (kind NOT IN ('available', 'reserved', 'held') OR balance >= 0)
);
CREATE INDEX ledger_accounts_by_owner ON ledger_accounts (organization_id, environment);
CREATE INDEX ledger_accounts_by_user ON ledger_accounts (user_id);
CREATE TABLE ledger_transfers (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  debit_account TEXT NOT NULL REFERENCES ledger_accounts(id),
  credit_account TEXT NOT NULL REFERENCES ledger_accounts(id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (debit_account <> credit_account)
);
CREATE UNIQUE INDEX ledger_transfers_once ON ledger_transfers (organization_id, environment, kind, reference);
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit_account);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit_account);
INSERT INTO ledger_accounts (id, organization_id, environment, user_id, kind, currency)
  SELECT o.id || ':' || e.environment || ':' || k.kind, o.id, e.environment, NULL, k.kind, 'USD'
  FROM organizations o
  CROSS JOIN (SELECT 'sandbox' AS environment UNION ALL SELECT 'live') e
  CROSS JOIN (SELECT 'external:deposits' AS kind UNION ALL SELECT 'external:network' UNION ALL SELECT 'external:withdrawals') k;
CREATE TABLE funding_index_counters (
  environment TEXT PRIMARY KEY,
  next_index BIGINT NOT NULL
);
INSERT INTO funding_index_counters (environment, next_index) VALUES ('sandbox', 0), ('live', 0);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL,
  date_of_birth TEXT,
  address TEXT,
  metadata TEXT,
  application_status TEXT NOT NULL,
  rejection_reason TEXT,
  funding_index BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX users_by_owner ON users (organization_id, environment, id);
CREATE UNIQUE INDEX users_by_funding_index ON users (environment, funding_index);
CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  expires_at BIGINT NOT NULL,
  submitted_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX verifications_by_user ON verifications (user_id, id);
CREATE TABLE deposits (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  network TEXT NOT NULL,
  token TEXT NOT NULL,
  amount_base_units TEXT NOT NULL,
  amount_cents BIGINT NOT NULL,
  remainder_base_units TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  address TEXT,
  status TEXT NOT NULL,
  rejection_reason TEXT,
  confirmations_at_observation BIGINT NOT NULL,
  min_confirmations BIGINT NOT NULL,
  observed_at BIGINT NOT NULL,
  completed_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX deposits_once ON deposits (organization_id, environment, network, tx_hash);
CREATE INDEX deposits_by_user ON deposits (user_id, id);
CREATE INDEX deposits_by_status ON deposits (status, organization_id, environment);
CREATE TABLE withdrawals (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  network TEXT NOT NULL,
  token TEXT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount > 0),
  address TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_reason TEXT,
  tx_hash TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX withdrawals_by_user ON withdrawals (user_id, id);
CREATE INDEX withdrawals_by_status ON withdrawals (user_id, status)
`,
    dialectSql: {
      sqlite: `
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only'); END;
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only'); END
`,
      postgres: `
CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger transfers are append-only'; END $$;
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only()
`,
    },
  },
  {
    version: 3,
    name: 'agents, agent tokens, cards, intents, credential accesses',
    sql: `
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  description TEXT,
  external_id TEXT,
  spending_limit BIGINT,
  spending_limit_frequency TEXT,
  on_limit_exceeded TEXT NOT NULL DEFAULT 'none',
  require_approval INTEGER NOT NULL DEFAULT 0,
  auto_approve_below BIGINT,
  status TEXT NOT NULL,
  status_reason TEXT,
  metadata TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX agents_by_owner ON agents (organization_id, environment, id);
CREATE INDEX agents_by_user ON agents (user_id, id);
CREATE UNIQUE INDEX agents_by_external_id ON agents (organization_id, environment, external_id);
CREATE TABLE agent_tokens (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  name TEXT,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  last4 TEXT NOT NULL,
  expires_at BIGINT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX agent_tokens_by_agent ON agent_tokens (agent_id, id);
CREATE TABLE cards (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  agent_id TEXT NOT NULL REFERENCES agents(id),
  type TEXT NOT NULL CHECK (type IN ('single', 'multi')),
  purpose TEXT NOT NULL,
  max_amount BIGINT NOT NULL CHECK (max_amount > 0),
  reservation BIGINT NOT NULL DEFAULT 0 CHECK (reservation >= 0),
  limit_per_day BIGINT,
  limit_per_month BIGINT,
  merchant_drift_enabled INTEGER NOT NULL,
  on_drift TEXT NOT NULL,
  on_limit_exceeded TEXT NOT NULL,
  require_approval INTEGER,
  auto_approve_below BIGINT,
  pinned_merchant TEXT,
  single_use_consumed INTEGER NOT NULL DEFAULT 0,
  pan_ciphertext TEXT NOT NULL,
  pan_fingerprint TEXT NOT NULL,
  last4 TEXT NOT NULL,
  expiration_month INTEGER NOT NULL,
  expiration_year INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
  status_reason TEXT,
  expires_at BIGINT,
  metadata TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX cards_by_owner ON cards (organization_id, environment, id);
CREATE INDEX cards_by_agent ON cards (agent_id, id);
CREATE INDEX cards_by_user ON cards (user_id, status);
CREATE INDEX cards_by_expiry ON cards (status, expires_at);
CREATE UNIQUE INDEX cards_by_pan ON cards (environment, pan_fingerprint);
CREATE TABLE intents (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  card_id TEXT NOT NULL REFERENCES cards(id),
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  client_intent_id TEXT,
  summary TEXT NOT NULL,
  amount BIGINT NOT NULL,
  merchant_text TEXT NOT NULL,
  status TEXT NOT NULL,
  warnings TEXT,
  expires_at BIGINT NOT NULL,
  revealed_at BIGINT,
  access_event_id TEXT,
  transaction_id TEXT,
  match_result TEXT,
  decided_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX intents_by_card ON intents (card_id, id);
CREATE INDEX intents_by_status ON intents (status, expires_at);
CREATE UNIQUE INDEX intents_by_client_id ON intents (organization_id, environment, card_id, client_intent_id);
CREATE TABLE card_detail_accesses (
  id TEXT PRIMARY KEY,
  card_id TEXT NOT NULL REFERENCES cards(id),
  intent_id TEXT NOT NULL,
  accessed_at BIGINT NOT NULL
);
CREATE INDEX card_detail_accesses_by_card ON card_detail_accesses (card_id, accessed_at)
`,
  },
  {
    version: 4,
    name: 'intent decisions, card list indexes',
    sql: `
ALTER TABLE intents ADD COLUMN decision_reason TEXT;
CREATE INDEX cards_by_user_id ON cards (user_id, id);
CREATE INDEX cards_by_owner_status ON cards (organization_id, environment, status, id)
`,
  },
  {
    version: 5,
    name: 'transactions',
    sql: `
CREATE TABLE transactions (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  card_id TEXT NOT NULL REFERENCES cards(id),
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'voided', 'declined', 'refunded')),
  amount BIGINT NOT NULL CHECK (amount >= 0),
  settled_amount BIGINT NOT NULL DEFAULT 0,
  refunded_amount BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  merchant_normalized_name TEXT NOT NULL,
  merchant_mcc TEXT,
  merchant_category TEXT,
  merchant_city TEXT,
  merchant_country TEXT,
  merchant_id TEXT,
  decline_reason TEXT,
  intent_id TEXT,
  intent_match TEXT,
  attestation_status TEXT NOT NULL,
  access_event_id TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  settled_at BIGINT,
  voided_at BIGINT
);
CREATE INDEX transactions_by_owner ON transactions (organization_id, environment, id);
CREATE INDEX transactions_by_agent_time ON transactions (agent_id, created_at);
CREATE INDEX transactions_by_card_time ON transactions (card_id, created_at);
CREATE INDEX transactions_by_user ON transactions (user_id, id)
`,
  },
  {
    version: 6,
    name: 'transactions: declines of unknown cards, settlement and expiry times, transaction sequence',
    // Nothing wrote transactions before this version, so the table is rebuilt rather than altered.
    sql: `
DROP TABLE transactions;
CREATE TABLE transactions (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  card_id TEXT REFERENCES cards(id),
  agent_id TEXT,
  user_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'voided', 'declined', 'refunded')),
  amount BIGINT NOT NULL CHECK (amount >= 0),
  settled_amount BIGINT NOT NULL DEFAULT 0,
  refunded_amount BIGINT NOT NULL DEFAULT 0,
  increment_count INTEGER NOT NULL DEFAULT 0,
  refund_count INTEGER NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  merchant_normalized_name TEXT NOT NULL,
  merchant_mcc TEXT,
  merchant_category TEXT,
  merchant_city TEXT,
  merchant_country TEXT,
  merchant_id TEXT,
  decline_reason TEXT,
  decline_detail TEXT,
  intent_id TEXT,
  intent_match TEXT,
  attestation_status TEXT NOT NULL,
  access_event_id TEXT,
  force_post INTEGER NOT NULL DEFAULT 0,
  settle_at BIGINT,
  expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  settled_at BIGINT,
  voided_at BIGINT
);
CREATE INDEX transactions_by_owner ON transactions (organization_id, environment, id);
CREATE INDEX transactions_by_agent_time ON transactions (agent_id, created_at);
CREATE INDEX transactions_by_card_time ON transactions (card_id, created_at);
CREATE INDEX transactions_by_user ON transactions (user_id, id);
CREATE INDEX transactions_pending ON transactions (status, organization_id, environment, settle_at)
`,
  },
  {
    version: 7,
    name: '3-D Secure challenges',
    // No otp column: the passcode and the OTP token are derived from the master key and the challenge id
    // (src/modules/challenges/otp.ts); only the token's SHA-256 is kept, to find the challenge it names.
    sql: `
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  card_id TEXT NOT NULL REFERENCES cards(id),
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  request TEXT NOT NULL,
  otp_token_hash TEXT UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'expired')),
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL,
  transaction_id TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX challenges_by_card ON challenges (card_id, status, id);
CREATE INDEX challenges_pending ON challenges (status, organization_id, environment, expires_at)
`,
  },
  {
    version: 8,
    name: 'risk engine: settings cascade and alerts',
    // One row per level that has settings: the organization's (absent: the moderate preset) holds every rule; an
    // agent's or card's holds only what it overrides. A card's merchant-drift setting stays in the card's own
    // columns (merchant_drift_enabled, on_drift), which the card object has always shown.
    sql: `
CREATE TABLE risk_settings (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('organization', 'agent', 'card')),
  subject_id TEXT NOT NULL,
  settings TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (organization_id, environment, level, subject_id)
);
CREATE TABLE risk_alerts (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  rule TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  detail TEXT NOT NULL,
  facts TEXT NOT NULL,
  card_id TEXT,
  agent_id TEXT,
  user_id TEXT,
  transaction_id TEXT,
  event_id TEXT,
  resolution_note TEXT,
  resolved_by TEXT,
  resolved_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX risk_alerts_by_owner ON risk_alerts (organization_id, environment, id);
CREATE INDEX risk_alerts_by_status ON risk_alerts (organization_id, environment, status, id);
CREATE INDEX risk_alerts_by_card ON risk_alerts (card_id, id);
CREATE INDEX risk_alerts_by_agent ON risk_alerts (agent_id, id)
`,
  },
  {
    version: 9,
    name: 'webhooks: endpoints, deliveries and attempts; events fanned out from the outbox',
    // events.dispatched_at (wall-clock ms) marks an event fanned out into deliveries; events recorded before this
    // version had no endpoint to go to, so they count as dispatched. Secrets are sealed with the master key.
    sql: `
ALTER TABLE events ADD COLUMN dispatched_at BIGINT;
UPDATE events SET dispatched_at = created_at;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
CREATE INDEX events_by_owner_type ON events (organization_id, environment, type, id);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT,
  event_filters TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  status_reason TEXT,
  secret_ciphertext TEXT NOT NULL,
  previous_secret_ciphertext TEXT,
  previous_secret_expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (organization_id, environment, id);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  event_id TEXT NOT NULL REFERENCES events(id),
  origin TEXT NOT NULL CHECK (origin IN ('event', 'redeliver', 'test')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  status_reason TEXT,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE UNIQUE INDEX webhook_deliveries_fanned_out_once ON webhook_deliveries (event_id, endpoint_id) WHERE origin = 'event';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
  attempt_number INTEGER NOT NULL,
  status_code INTEGER,
  latency_ms BIGINT NOT NULL,
  error TEXT,
  attempted_at BIGINT NOT NULL,
  PRIMARY KEY (delivery_id, attempt_number)
)
`,
  },
  {
    version: 10,
    name: 'operator KYC decisions; attestation warnings on credential accesses',
    // A user's verification_decided_by is the API key of the operator who decided the current applicationStatus
    // (null when the KYC provider or the sandbox set it). A credential access keeps the warnings its answer carried.
    sql: `
ALTER TABLE users ADD COLUMN verification_decided_by TEXT;
ALTER TABLE users ADD COLUMN verification_decision_reason TEXT;
ALTER TABLE users ADD COLUMN verification_decided_at BIGINT;
ALTER TABLE card_detail_accesses ADD COLUMN warnings TEXT
`,
  },
  {
    version: 11,
    name: 'event stream order; intents listed across the organization',
    // The event stream (GET /v1/events/stream) reads a scope's events in the order they became visible, which ids do
    // not give (ids are made before commit). SQLite: stream_position, assigned per scope in the single writer's order.
    // PostgreSQL: the inserting transaction's id, read only below the oldest transaction still running
    // (src/modules/events/feed.ts). Intents get the indexes GET /v1/intents pages through.
    sql: `
CREATE INDEX intents_by_owner ON intents (organization_id, environment, id);
CREATE INDEX intents_by_owner_status ON intents (organization_id, environment, status, id);
CREATE INDEX intents_by_owner_card ON intents (organization_id, environment, card_id, id);
CREATE INDEX intents_by_owner_agent ON intents (organization_id, environment, agent_id, id);
CREATE INDEX intents_by_owner_user ON intents (organization_id, environment, user_id, id)
`,
    dialectSql: {
      sqlite: `
ALTER TABLE events ADD COLUMN stream_position BIGINT;
UPDATE events SET stream_position = rowid;
CREATE UNIQUE INDEX events_in_stream_order ON events (organization_id, environment, stream_position)
`,
      postgres: `
ALTER TABLE events ADD COLUMN stream_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_in_stream_order ON events (organization_id, environment, stream_xid, id)
`,
    },
  },
  {
    version: 12,
    name: 'API keys may expire',
    sql: `ALTER TABLE api_keys ADD COLUMN expires_at BIGINT`,
  },
  {
    version: 13,
    name: "webhook attempts keep the start of the receiver's answer",
    sql: `ALTER TABLE webhook_attempts ADD COLUMN response_excerpt TEXT`,
  },
  {
    version: 14,
    name: "transactions keep the amount first authorized, and the integrator's notes, tags and category",
    // amount grows with increments; authorized_amount keeps what the authorization approved (null for declines and
    // force posts, which nothing authorized). Rows from before this migration take their amount as it stands.
    // tags is a JSON array of strings.
    sql: `
ALTER TABLE transactions ADD COLUMN authorized_amount BIGINT;
UPDATE transactions SET authorized_amount = amount WHERE status <> 'declined' AND force_post = 0;
ALTER TABLE transactions ADD COLUMN notes TEXT;
ALTER TABLE transactions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE transactions ADD COLUMN category TEXT
`,
  },
  {
    version: 15,
    name: 'spending policies; the policy controls of cards; agents name a default policy',
    // controls is the JSON of the policy's controls (src/modules/policies/service.ts) but ttl_minutes and on_expiry,
    // which are columns. A card's expiry (expires_at, on_expiry) is set when it is issued, from its own ttl or its
    // policies'. A card's policy and an agent's default policy
    // are ids of spending_policies in the same scope (checked by the services, which answer 404 for another's).
    sql: `
CREATE TABLE spending_policies (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  ttl_minutes BIGINT,
  on_expiry TEXT,
  controls TEXT NOT NULL,
  metadata TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX spending_policies_by_owner ON spending_policies (organization_id, environment, id);
ALTER TABLE cards ADD COLUMN policy_id TEXT REFERENCES spending_policies(id);
ALTER TABLE cards ADD COLUMN merchant_hint TEXT;
ALTER TABLE cards ADD COLUMN limit_per_auth BIGINT;
ALTER TABLE cards ADD COLUMN max_auth_count BIGINT;
ALTER TABLE cards ADD COLUMN attestation_window_minutes BIGINT NOT NULL DEFAULT 10;
ALTER TABLE cards ADD COLUMN on_expiry TEXT NOT NULL DEFAULT 'close';
CREATE INDEX cards_by_policy ON cards (policy_id);
ALTER TABLE agents ADD COLUMN default_policy_id TEXT REFERENCES spending_policies(id)
`,
  },
  {
    version: 16,
    name: 'agents: card count limit, default card limit, budget warning, deregistration time',
    // max_cards null means unlimited. default_card_limit (cents, null: none) is given to a new card of the agent that
    // sets no limits of its own, as its perDay or perMonth limit. limit_warning_threshold_bps is the share of the
    // spending limit (basis points: 8000 = 80 %) whose crossing records agent.limit_warning, and
    // limit_warning_window_start the start of the spending window that was last warned about, so the warning is
    // sent once per window across restarts. Agents deregistered before this migration take their last update as
    // the time. cards_by_agent_status counts an agent's open cards without reading its closed ones.
    sql: `
ALTER TABLE agents ADD COLUMN max_cards INTEGER;
ALTER TABLE agents ADD COLUMN default_card_limit BIGINT;
ALTER TABLE agents ADD COLUMN default_card_limit_frequency TEXT NOT NULL DEFAULT 'perMonth';
ALTER TABLE agents ADD COLUMN limit_warning_threshold_bps INTEGER NOT NULL DEFAULT 8000;
ALTER TABLE agents ADD COLUMN limit_warning_window_start BIGINT;
ALTER TABLE agents ADD COLUMN deregistered_at BIGINT;
UPDATE agents SET deregistered_at = updated_at WHERE status = 'deregistered';
CREATE INDEX cards_by_agent_status ON cards (agent_id, status)
`,
  },
  {
    version: 17,
    name: "LedgerOS intent fields, KYC document records, an agent's challenges",
    // Intents keep their currency (USD), their own amount tolerance in parts per million of the amount (null: the
    // card's applies), their pending ttl in minutes (null for older rows: the fixed hour they had), metadata (JSON)
    // and when an authorization was matched against them (older matched or mismatched rows take their last update).
    // A KYC document upload keeps a record of what was sent — type, size and SHA-256, never the file or its name.
    sql: `
ALTER TABLE intents ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE intents ADD COLUMN tolerance_ppm BIGINT;
ALTER TABLE intents ADD COLUMN ttl_minutes INTEGER;
ALTER TABLE intents ADD COLUMN metadata TEXT;
ALTER TABLE intents ADD COLUMN matched_at BIGINT;
UPDATE intents SET matched_at = updated_at WHERE status IN ('matched', 'mismatched');
CREATE TABLE verification_documents (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  document_type TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX verification_documents_by_user ON verification_documents (user_id, id);
CREATE INDEX challenges_by_agent ON challenges (agent_id, status, id)
`,
  },
  {
    version: 18,
    name: 'credential exposure: organization default, card and policy modes, filler keys, details tokens',
    // A card's credential_exposure is null when its policies (else the organization's default) decide. Filler keys
    // are stored like API keys: a SHA-256 hash of the secret, shown once. A details token is stored as its hash too,
    // bound to the card, the intent and the credential access it was issued for; redeemed_at makes it single use.
    sql: `
ALTER TABLE organizations ADD COLUMN default_credential_exposure TEXT NOT NULL DEFAULT 'rawPan';
ALTER TABLE cards ADD COLUMN credential_exposure TEXT;
CREATE TABLE filler_keys (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  last4 TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX filler_keys_by_owner ON filler_keys (organization_id, environment, id);
CREATE TABLE details_tokens (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  card_id TEXT NOT NULL REFERENCES cards(id),
  intent_id TEXT NOT NULL,
  access_event_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  redeemed_at BIGINT,
  redeemed_by TEXT,
  fingerprint TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX details_tokens_by_card ON details_tokens (card_id, id)
`,
  },
  {
    version: 19,
    name: "agent daily activity: running counts and amounts of each agent's transactions that were not declined, per UTC day",
    // The spend-spike rule's baseline (30 days of an agent's activity) reads these instead of the agent's history:
    // the days wholly inside its window from here, the partial first day from the transactions (bounded by one day).
    // Kept by the transactions store in the same transaction as every insert and amount change.
    sql: `
CREATE TABLE agent_daily_activity (
  agent_id TEXT NOT NULL,
  day_start BIGINT NOT NULL,
  transaction_count BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (agent_id, day_start)
);
INSERT INTO agent_daily_activity (agent_id, day_start, transaction_count, amount)
  SELECT agent_id, (created_at / 86400000) * 86400000, COUNT(*), SUM(amount) FROM transactions
  WHERE agent_id IS NOT NULL AND status <> 'declined' GROUP BY agent_id, created_at / 86400000
`,
  },
  {
    version: 20,
    name: 'ledger transfers: no index by debit or credit account',
    // No query reads transfers by account (balances are cached on the accounts; verify-ledger scans the table), and
    // each approved authorization wrote four entries into these two indexes at random places: pages its commit had
    // to write. The unique (organization, environment, kind, reference) index, which makes each posting happen once, stays.
    sql: `
DROP INDEX ledger_transfers_by_debit;
DROP INDEX ledger_transfers_by_credit
`,
  },
  {
    version: 21,
    name: 'transactions: index of pending authorizations by expiry',
    // The expiry sweep (src/network/due.ts) looks every second for pending authorizations whose expires_at has
    // passed. With only the settle_at index it read every transaction of the organization: 0.4–0.5 s a pass with a
    // million stored, on the writer. Appends at the end, like the settle_at index beside it.
    sql: `CREATE INDEX transactions_expiring ON transactions (status, organization_id, environment, expires_at)`,
  },
  {
    version: 22,
    name: 'approval settings: who approves an intent and how long it waits, on agents and cards',
    // An agent always has both (existing agents take the defaults: an API key approves, within an hour). A card's are
    // null when its policies (else its agent) decide. A policy keeps its own in its controls JSON.
    sql: `
ALTER TABLE agents ADD COLUMN approval_method TEXT NOT NULL DEFAULT 'apiKey';
ALTER TABLE agents ADD COLUMN approval_timeout_minutes BIGINT NOT NULL DEFAULT 60;
ALTER TABLE cards ADD COLUMN approval_method TEXT;
ALTER TABLE cards ADD COLUMN approval_timeout_minutes BIGINT
`,
  },
  {
    version: 23,
    name: "cardholders' passkeys and passkey enrollment links",
    // A passkey keeps what verifies its assertions — the credential id and the COSE public key, both base64url — with
    // the authenticator's signature counter, its transports (JSON array), device type and backup state; never a private
    // key, which does not leave the cardholder's device. An enrollment link is stored as the SHA-256 hash of its token,
    // with the challenge of its ceremony once the page asked for one; used_at makes it single use and passkey_id says
    // which passkey it created.
    sql: `
CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  credential_id TEXT NOT NULL UNIQUE,
  public_key TEXT NOT NULL,
  counter BIGINT NOT NULL DEFAULT 0,
  transports TEXT NOT NULL DEFAULT '[]',
  device_type TEXT NOT NULL,
  backed_up INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id, id);
CREATE TABLE passkey_enrollments (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  passkey_name TEXT,
  challenge TEXT,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  passkey_id TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX passkey_enrollments_by_user ON passkey_enrollments (user_id, id)
`,
  },
  {
    version: 24,
    name: 'intents: approval method and hosted approval link; approval records',
    // approval_method is set on intents that waited for approval (the method in force when they were declared);
    // approval_token_hash is the SHA-256 of the hosted approval link's token, for cardholder methods only. An
    // approval record keeps the facts of one decision (its signed payload's JSON); it is signed when served.
    sql: `
ALTER TABLE intents ADD COLUMN approval_method TEXT;
ALTER TABLE intents ADD COLUMN approval_token_hash TEXT;
CREATE UNIQUE INDEX intents_by_approval_token ON intents (approval_token_hash) WHERE approval_token_hash IS NOT NULL;
CREATE TABLE approval_records (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  intent_id TEXT NOT NULL UNIQUE REFERENCES intents(id),
  decision TEXT NOT NULL,
  method TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
)
`,
  },
  {
    version: 25,
    name: 'chain deposits: the log a deposit came from, once per log; a scan cursor per watched chain',
    // A deposit the chain watcher saw keeps its log's index, block number and block hash (the sandbox endpoint's have
    // log_index -1 and no block). Once-only is by (network, tx_hash, log_index) per scope, leaving out deposits
    // rejected because their block left the chain: the same transfer mined again in another block is a new deposit.
    // A cursor is the first block of a network not yet scanned, on the chain named by its chain id and genesis hash.
    sql: `
ALTER TABLE deposits ADD COLUMN log_index BIGINT NOT NULL DEFAULT -1;
ALTER TABLE deposits ADD COLUMN block_number BIGINT;
ALTER TABLE deposits ADD COLUMN block_hash TEXT;
DROP INDEX deposits_once;
CREATE UNIQUE INDEX deposits_once ON deposits (organization_id, environment, network, tx_hash, log_index) WHERE status <> 'rejected' OR rejection_reason <> 'reorged';
CREATE INDEX deposits_pending_on_chain ON deposits (network, status, id) WHERE block_hash IS NOT NULL;
CREATE TABLE chain_cursors (
  network TEXT PRIMARY KEY,
  chain_id BIGINT NOT NULL,
  genesis_hash TEXT NOT NULL,
  next_block BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
`,
  },
  {
    version: 26,
    name: "withdrawals on a real chain: the treasury's nonces and each withdrawal's signed transaction",
    // chain_nonces: the next nonce of each (network, treasury address), allocated in the transaction that signs a
    // withdrawal, so two withdrawals never get one nonce. withdrawal_sends: one row per withdrawal handed to a chain,
    // written with the signed raw transaction before it is broadcast (a restart broadcasts the same bytes again), and
    // later the zero-value self-transfer that cancels it at the same nonce. Wei amounts are decimal strings. The
    // unique (network, from_address, nonce) index is the allocator's invariant. The withdrawals index finds the queue.
    sql: `
CREATE TABLE chain_nonces (
  network TEXT NOT NULL,
  address TEXT NOT NULL,
  next_nonce BIGINT NOT NULL CHECK (next_nonce >= 0),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (network, address)
);
CREATE TABLE withdrawal_sends (
  withdrawal_id TEXT PRIMARY KEY REFERENCES withdrawals(id),
  network TEXT NOT NULL,
  chain_id BIGINT NOT NULL,
  from_address TEXT NOT NULL,
  nonce BIGINT NOT NULL CHECK (nonce >= 0),
  token_address TEXT NOT NULL,
  amount_base_units TEXT NOT NULL,
  tx_hash TEXT NOT NULL UNIQUE,
  raw_transaction TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  signed_at BIGINT NOT NULL,
  broadcast_at BIGINT,
  last_broadcast_at BIGINT,
  broadcast_refusals BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  cancel_tx_hash TEXT UNIQUE,
  cancel_raw_transaction TEXT,
  cancel_reason TEXT,
  cancel_signed_at BIGINT,
  cancel_broadcast_at BIGINT,
  finished_at BIGINT
);
CREATE UNIQUE INDEX withdrawal_sends_by_nonce ON withdrawal_sends (network, from_address, nonce);
CREATE INDEX withdrawal_sends_unfinished ON withdrawal_sends (finished_at, network, nonce);
CREATE INDEX withdrawals_queue ON withdrawals (status, environment, network, id)
`,
  },
  {
    version: 27,
    name: 'issuers: which issuer-processor an organization uses, cards held at one, its transactions, events and card updates',
    // issuer_settings: an organization's issuer per environment (no row: the sandbox simulator). A card issued at a
    // processor keeps the processor's token; its number stays with the processor, so pan_ciphertext holds the marker
    // `issuer:<name>` (which the vault refuses to open) and pan_fingerprint `issuer:<name>:<token>`, keeping both
    // columns NOT NULL and unique. issuer_transactions: the processor's transaction token → cardrail's transaction,
    // with the answer given to its authorization request (a retry gets the same answer). issuer_events: each inbound
    // event once, by the processor's event token, with what it did. issuer_card_updates: card states to mirror at the
    // processor, written with the change and sent by a worker until the processor acknowledges them.
    sql: `
ALTER TABLE cards ADD COLUMN issuer TEXT NOT NULL DEFAULT 'sandbox';
ALTER TABLE cards ADD COLUMN issuer_card_token TEXT;
CREATE UNIQUE INDEX cards_by_issuer_token ON cards (issuer, issuer_card_token) WHERE issuer_card_token IS NOT NULL;
CREATE TABLE issuer_settings (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  issuer TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (organization_id, environment)
);
CREATE TABLE issuer_transactions (
  issuer TEXT NOT NULL,
  token TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  card_id TEXT REFERENCES cards(id),
  transaction_id TEXT,
  answer TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, token)
);
CREATE TABLE issuer_events (
  issuer TEXT NOT NULL,
  event_token TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  environment TEXT NOT NULL,
  transaction_token TEXT NOT NULL,
  event_type TEXT NOT NULL,
  amount BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  transaction_id TEXT,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, event_token)
);
CREATE INDEX issuer_events_by_transaction ON issuer_events (issuer, transaction_token);
CREATE TABLE issuer_card_updates (
  id TEXT PRIMARY KEY,
  card_id TEXT NOT NULL REFERENCES cards(id),
  issuer TEXT NOT NULL,
  issuer_card_token TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  done_at BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX issuer_card_updates_due ON issuer_card_updates (done_at, next_attempt_at)
`,
  },
];

export const latestMigrationVersion = migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
