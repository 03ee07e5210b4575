// Versioned schema migrations, portable between SQLite and PostgreSQL: TEXT ids and JSON, BIGINT for money
// (cents) and times (epoch milliseconds), INTEGER 0/1 for flags. Append new migrations; never edit applied ones.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
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
];

export const latestMigrationVersion = migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
