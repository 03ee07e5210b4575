// Every query is scoped by (organization, environment): sandbox and live data never mix.
import type { Environment } from './environment.js';

export interface Scope {
  readonly organizationId: string;
  readonly environment: Environment;
}
