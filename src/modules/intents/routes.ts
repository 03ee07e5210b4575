import type { AnyRouteDefinition } from '../../http/route.js';

export const intentRoutes: AnyRouteDefinition[] = [];
