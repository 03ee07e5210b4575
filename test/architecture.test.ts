// Dependencies point down (STYLE.md "The shape we want"): every relative import in src/ is read from the source
// (static, type-only, re-exports and dynamic `import()`), and an import that climbs from a lower layer to a higher
// one fails here, naming the file and the import. A file in a place the table below does not know fails too, so a
// new folder gets a layer on purpose rather than by accident.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const sourceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * From the top down; a file may import its own layer and the layers below it. Same-layer imports are allowed:
 * modules call each other's services, the card network calls the modules it charges.
 */
const layers = [
  // The entry points: the HTTP server (its pipeline, auth, errors, OpenAPI, observability), MCP, the command line,
  // and app.ts, which assembles the process. sdk/ and filler/ are clients of the API shipped apart from the server
  // (the `cardrail/sdk` export, the browser extension): only entry points use them, and they import nothing else.
  { name: 'entry', places: ['http/', 'mcp/', 'cli/', 'sdk/', 'filler/', 'app.ts'] },
  // Background timers (due work, webhook delivery, chain watching, withdrawal sending): they call the modules and
  // are called by nothing below them.
  { name: 'workers', places: ['workers/'] },
  // Use cases: one folder per resource, the card network simulator, the EVM chains. app-context.ts is what every
  // module, route and worker is handed. The route vocabulary (below) is how a module describes its HTTP face.
  { name: 'modules', places: ['modules/', 'network/', 'chain/', 'app-context.ts'] },
  // The only code that moves money.
  { name: 'ledger', places: ['ledger/'] },
  // Pure rules, database access, and the process's own configuration, clock and secrets.
  { name: 'foundation', places: ['domain/', 'store/', 'config.ts', 'clock.ts', 'secrets.ts', 'private-files.ts', 'package-version.ts', 'sealing.ts'] },
] as const;

type LayerName = (typeof layers)[number]['name'];

/**
 * Files of http/ that a module's routes are written in. They sit with the modules, not with the pipeline that runs
 * them, and so may not import the rest of http/ themselves.
 */
const routeVocabulary: Record<string, string> = {
  'http/route-definition.ts': 'defineRoute, RouteContext, CommittedRefusal: what a routes.ts declares',
  'http/event-stream.ts': 'EventStream: what a streaming GET handler answers',
  'http/hosted-page.ts': 'the frame of the hosted pages that modules render',
  'http/multipart.ts': 'UploadedFile and its schema: the body of an upload route',
  'http/validation.ts': 'fieldsSetIn and the input checks a route body is held to',
};

/** Folders whose files may import only from this list (and `domain` is pure: nothing of ours that does I/O). */
const closedFolders: Record<string, readonly string[]> = {
  'domain/': ['domain/'],
  'sdk/': ['sdk/', 'filler/'],
  'filler/': ['sdk/', 'filler/'],
};

/**
 * Imports that climb but stay, each with its reason (`importer -> imported`, relative to src/). The test fails when
 * an entry is no longer needed, so the list only shrinks.
 */
const allowedClimbs: Record<string, string> = {
  'app-context.ts -> http/rate-limit.ts':
    'AppContext carries the rate limiter so that the request pipeline (http/route-pipeline.ts) finds it in the context ' +
    'it is given; no module or worker uses it, and the import is type-only. Removing it means handing the limiter to ' +
    'the pipeline apart from the context (app.ts, http/server.ts).',
};

interface Place {
  layer: LayerName;
  rank: number;
}

/** Where a file (relative to src/, with forward slashes) sits, or undefined when the table does not say. */
function placeOf(file: string): Place | undefined {
  if (file in routeVocabulary) return { layer: 'modules', rank: rankOf('modules') };
  for (const layer of layers) {
    if (layer.places.some((place) => (place.endsWith('/') ? file.startsWith(place) : file === place))) return { layer: layer.name, rank: rankOf(layer.name) };
  }
  return undefined;
}

function rankOf(name: LayerName): number {
  return layers.length - layers.findIndex((layer) => layer.name === name);
}

interface ImportEdge {
  /** Importing file, relative to src/. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** Imported file, relative to src/. */
  to: string;
}

/** Why an edge breaks the layering, or undefined when it does not. */
function violationOf(edge: ImportEdge): string | undefined {
  const from = placeOf(edge.from);
  const to = placeOf(edge.to);
  if (from === undefined) return `${edge.from} is in no layer: give its folder a place in test/architecture.test.ts`;
  if (to === undefined) return `${edge.to} is in no layer: give its folder a place in test/architecture.test.ts`;
  for (const [folder, allowed] of Object.entries(closedFolders)) {
    if (edge.from.startsWith(folder) && !allowed.some((place) => edge.to.startsWith(place))) {
      return `src/${edge.from} imports '${edge.specifier}' (src/${edge.to}): ${folder} may import only ${allowed.join(', ')}`;
    }
  }
  if (to.rank > from.rank) return `src/${edge.from} imports '${edge.specifier}' (src/${edge.to}): ${from.layer} must not import ${to.layer}, a layer above it`;
  return undefined;
}

function sourceFiles(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** Every module specifier a file names: import and export declarations (type-only too), `import()` and `import('…').T`. */
function specifiersOf(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteralLike(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a relative specifier names (`./x.js` is ./x.ts), or undefined when none exists. */
function resolveRelative(importer: string, specifier: string): string | undefined {
  const base = resolve(dirname(importer), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base];
  return candidates.find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
}

function importGraph(): { edges: ImportEdge[]; unresolved: string[] } {
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const path of sourceFiles(sourceRoot)) {
    const from = relative(sourceRoot, path).split('\\').join('/');
    for (const specifier of specifiersOf(path)) {
      if (!specifier.startsWith('.')) continue; // packages and node: built-ins
      const target = resolveRelative(path, specifier);
      if (target === undefined) {
        unresolved.push(`src/${from} imports '${specifier}', which is no .ts file`);
        continue;
      }
      const to = relative(sourceRoot, target).split('\\').join('/');
      if (to.startsWith('..')) unresolved.push(`src/${from} imports '${specifier}', outside src/`);
      else edges.push({ from, specifier, to });
    }
  }
  return { edges, unresolved };
}

describe('architecture: dependencies point down', () => {
  const { edges, unresolved } = importGraph();

  it('reads the import graph of src/', () => {
    assert.deepEqual(unresolved, []);
    // The parse finds imports of every kind the source uses: a static, a type-only and a dynamic one.
    assert.ok(edges.some((edge) => edge.from === 'app.ts' && edge.to === 'http/server.ts'));
    assert.ok(edges.some((edge) => edge.from === 'ledger/accounts.ts' && edge.to === 'domain/scope.ts'));
    assert.ok(edges.some((edge) => edge.from === 'cli/devchain.ts' && edge.to === 'chain/devchain.ts'));
  });

  it('no import climbs a layer (http/mcp/cli → workers → modules/network → ledger → store/domain)', () => {
    const climbs = edges.filter((edge) => !(`${edge.from} -> ${edge.to}` in allowedClimbs)).flatMap((edge) => violationOf(edge) ?? []);
    assert.deepEqual([...new Set(climbs)], [], `imports that climb the layers:\n${climbs.join('\n')}`);
  });

  it('every allowed climb is still in the source and still climbs', () => {
    for (const key of Object.keys(allowedClimbs)) {
      const edge = edges.find((candidate) => `${candidate.from} -> ${candidate.to}` === key);
      assert.ok(edge !== undefined, `${key} is allowed but no longer imported: remove it from allowedClimbs`);
      assert.ok(violationOf(edge) !== undefined, `${key} is allowed but no longer climbs: remove it from allowedClimbs`);
    }
  });

  it('tells a climbing import from one that points down', () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, specifier: to, to });
    for (const climbing of [
      edge('domain/ids.ts', 'modules/cards/service.ts'),
      edge('domain/ids.ts', 'store/database.ts'),
      edge('ledger/transfers.ts', 'modules/cards/service.ts'),
      edge('modules/cards/routes.ts', 'http/route-pipeline.ts'),
      edge('modules/sandbox/routes.ts', 'workers/due-work.ts'),
      edge('workers/due-work.ts', 'http/idempotency.ts'),
      edge('http/route-definition.ts', 'http/auth.ts'),
      edge('sdk/index.ts', 'domain/errors.ts'),
      edge('network/authorize.ts', 'sdk/index.ts'),
      edge('domain/ids.ts', 'newfolder/thing.ts'),
    ]) {
      assert.ok(violationOf(climbing) !== undefined, `${climbing.from} -> ${climbing.to} should fail`);
    }
    for (const downward of [
      edge('http/server.ts', 'modules/cards/service.ts'),
      edge('modules/cards/routes.ts', 'http/route-definition.ts'),
      edge('modules/cards/service.ts', 'modules/agents/service.ts'),
      edge('network/authorize.ts', 'ledger/transfers.ts'),
      edge('ledger/transfers.ts', 'domain/scope.ts'),
      edge('store/sqlite/database.ts', 'private-files.ts'),
      edge('cli/main.ts', 'sdk/index.ts'),
    ]) {
      assert.equal(violationOf(downward), undefined, `${downward.from} -> ${downward.to} should pass`);
    }
  });
});
