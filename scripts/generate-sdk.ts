// `npm run sdk:generate`: writes src/sdk/openapi.ts, the SDK's types, from the OpenAPI document the server serves
// (built from the same route definitions). test/sdk/openapi-types.test.ts fails when the committed file drifts.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { allRoutes } from '../src/http/all-routes.js';
import { sdkTypesFromDocument } from '../src/sdk/generate.js';

const target = fileURLToPath(new URL('../src/sdk/openapi.ts', import.meta.url));
writeFileSync(target, await sdkTypesFromDocument(buildOpenApiDocument(allRoutes, undefined)));
process.stdout.write(`wrote ${target}\n`);
