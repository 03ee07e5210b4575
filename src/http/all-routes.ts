// Every /v1 route definition, module by module. Adding a module means adding its routes here and its access rows.
import { agentRoutes } from '../modules/agents/routes.js';
import { cardRoutes } from '../modules/cards/routes.js';
import { challengeRoutes } from '../modules/challenges/routes.js';
import { intentRoutes } from '../modules/intents/routes.js';
import { transactionRoutes } from '../modules/transactions/routes.js';
import { networkRoutes } from '../network/routes.js';
import { policyRoutes } from '../modules/policies/routes.js';
import { fillerRoutes } from '../modules/fillers/routes.js';
import { fundingRoutes } from '../modules/funding/routes.js';
import { keyRoutes } from '../modules/keys/routes.js';
import { organizationRoutes } from '../modules/organizations/routes.js';
import { passkeyRoutes } from '../modules/passkeys/routes.js';
import { riskRoutes } from '../modules/risk/routes.js';
import { sandboxClockRoutes } from '../modules/sandbox/routes.js';
import { userRoutes } from '../modules/users/routes.js';
import { verificationRoutes } from '../modules/verification/routes.js';
import { withdrawalRoutes } from '../modules/withdrawals/routes.js';
import { webhookRoutes } from '../modules/webhooks/routes.js';
import { eventRoutes } from '../modules/events/routes.js';
import { issuerRoutes } from '../modules/issuers/routes.js';
import type { AnyRouteDefinition } from './route-definition.js';

export const allRoutes: readonly AnyRouteDefinition[] = [
  ...organizationRoutes,
  ...keyRoutes,
  ...sandboxClockRoutes,
  ...userRoutes,
  ...verificationRoutes,
  ...passkeyRoutes,
  ...fundingRoutes,
  ...withdrawalRoutes,
  ...agentRoutes,
  ...policyRoutes,
  ...fillerRoutes,
  ...cardRoutes,
  ...intentRoutes,
  ...transactionRoutes,
  ...networkRoutes,
  ...challengeRoutes,
  ...webhookRoutes,
  ...eventRoutes,
  ...riskRoutes,
  ...issuerRoutes,
];
