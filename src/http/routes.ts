// Every /v1 route definition, module by module. Adding a module means adding its routes here and its access rows.
import { keyRoutes } from '../modules/keys/routes.js';
import { organizationRoutes } from '../modules/organizations/routes.js';
import { sandboxClockRoutes } from '../modules/sandbox/routes.js';
import type { AnyRouteDefinition } from './route.js';

export const allRoutes: readonly AnyRouteDefinition[] = [...organizationRoutes, ...keyRoutes, ...sandboxClockRoutes];
