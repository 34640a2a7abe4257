// What the shipped code can touch, checked on the BUILT package (dist/, what npm publishes), by
// parsing every module with the TypeScript parser (comments and strings do not count, calls do):
// - no eval, no Function constructor, no string timers;
// - network: fetch only in the .wasm loaders; no XMLHttpRequest, WebSocket, EventSource, sendBeacon;
// - node: modules only in the Node/Deno/Bun loader and the worker_threads spawner; the file
//   system is only read (readFile, existsSync), never written;
// - workers are only started by the thread pool's spawners;
// - the browser and Workers entries bundle without any node: module;
// - the WebAssembly modules import nothing but their memory;
// The Content-Security-Policy half (needs Chromium) is test/browser/csp.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './runtimes/harness.js';

const DIST = join(ROOT, 'dist');

/** Every .js file under dist/, relative to dist/. */
function distFiles(dir = DIST): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return distFiles(p);
    return e.name.endsWith('.js') ? [relative(DIST, p)] : [];
  });
}

interface Facts {
  /** Names of global functions called (`fetch(...)`, `eval(...)`), and `new X(...)` as 'new X'. */
  calls: Set<string>;
  /** Module specifiers: static imports/exports and literal dynamic imports. */
  imports: Set<string>;
  /** Dynamic import() whose argument is not a string literal: the identifier's name. */
  dynamicImports: Set<string>;
  /** String literals starting with 'node:'. */
  nodeStrings: Set<string>;
  /** Names imported from node:fs / node:fs/promises, and members read off them. */
  fsNames: Set<string>;
  /** Every identifier (for globals that must not appear at all). */
  identifiers: Set<string>;
  /** Calls of setTimeout/setInterval whose first argument is not a function. */
  stringTimers: number;
}

function facts(file: string): Facts {
  const src = ts.createSourceFile(file, readFileSync(join(DIST, file), 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const f: Facts = { calls: new Set(), imports: new Set(), dynamicImports: new Set(), nodeStrings: new Set(), fsNames: new Set(), identifiers: new Set(), stringTimers: 0 };
  const fsLocals = new Set<string>();
  const calleeName = (e: ts.Expression): string | null => {
    if (ts.isIdentifier(e)) return e.text;
    // globalThis.eval(...), window.fetch(...), self.Function(...)
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && ['globalThis', 'window', 'self', 'global'].includes(e.expression.text)) return e.name.text;
    return null;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) f.identifiers.add(n.text);
    if (ts.isStringLiteralLike(n) && n.text.startsWith('node:')) f.nodeStrings.add(n.text);
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      f.imports.add(n.moduleSpecifier.text);
      if (ts.isImportDeclaration(n) && /^node:fs(\/promises)?$/.test(n.moduleSpecifier.text)) {
        const b = n.importClause?.namedBindings;
        if (b && ts.isNamedImports(b)) for (const el of b.elements) f.fsNames.add((el.propertyName ?? el.name).text);
        if (b && ts.isNamespaceImport(b)) fsLocals.add(b.name.text);
        if (n.importClause?.name) fsLocals.add(n.importClause.name.text);
      }
    }
    if (ts.isCallExpression(n)) {
      if (n.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = n.arguments[0];
        if (arg && ts.isStringLiteralLike(arg)) f.imports.add(arg.text);
        else f.dynamicImports.add(arg && ts.isIdentifier(arg) ? arg.text : arg ? arg.getText(src) : '');
      } else {
        const name = calleeName(n.expression);
        if (name) f.calls.add(name);
        if ((name === 'setTimeout' || name === 'setInterval') && n.arguments[0] && (ts.isStringLiteralLike(n.arguments[0]) || ts.isTemplateExpression(n.arguments[0]))) f.stringTimers++;
      }
    }
    if (ts.isNewExpression(n)) {
      const name = calleeName(n.expression);
      if (name) f.calls.add(`new ${name}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  // members read off an fs namespace/default import (fs.readFile) or off a dynamic import('node:fs...')
  const text = src.getFullText();
  for (const m of text.matchAll(/\b(\w+)\s*\.\s*(\w+)\s*\(/g)) if (fsLocals.has(m[1]!)) f.fsNames.add(m[2]!);
  if (/import\(\s*['"]node:fs(\/promises)?['"]\s*\)/.test(text)) {
    // [fs, url] = await Promise.all([import('node:fs/promises'), ...]) ... fs.readFile(...)
    for (const m of text.matchAll(/\bfs\s*\.\s*(\w+)\s*\(/g)) f.fsNames.add(m[1]!);
  }
  return f;
}

const all = new Map<string, Facts>();
beforeAll(() => {
  if (!existsSync(join(DIST, 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  for (const file of distFiles()) all.set(file, facts(file));
});

/** The files where `pred` holds, sorted. */
const where = (pred: (f: Facts) => boolean): string[] => [...all].filter(([, f]) => pred(f)).map(([k]) => k).sort();

describe('what the shipped JavaScript can do (dist/, parsed)', () => {
  it('parses every module of the package', () => {
    expect(all.size).toBeGreaterThan(30);
    for (const entry of ['index.js', 'browser.js', 'workerd.js', 'core.js', 'wasm/runtime.js']) expect(all.has(entry), entry).toBe(true);
  });

  it('no eval, no Function constructor, no string timers (nothing compiles JavaScript at run time)', () => {
    expect(where((f) => f.calls.has('eval') || f.calls.has('Function') || f.calls.has('new Function'))).toEqual([]);
    expect(where((f) => f.stringTimers > 0)).toEqual([]);
  });

  it('fetch only in the .wasm loaders; no other network API anywhere', () => {
    expect(where((f) => f.calls.has('fetch'))).toEqual(['wasm/source-workerd.js', 'wasm/source.js']);
    const net = ['XMLHttpRequest', 'WebSocket', 'EventSource', 'sendBeacon', 'RTCPeerConnection', 'importScripts'];
    expect(where((f) => net.some((n) => f.identifiers.has(n)))).toEqual([]);
  });

  it('node: modules only in the Node/Deno/Bun loader and the thread pool (worker_threads, os)', () => {
    expect(where((f) => [...f.imports].some((s) => s.startsWith('node:')) || f.nodeStrings.size > 0)).toEqual([
      'threads/env.js', 'threads/spawn-node.js', 'threads/worker-node.js', 'wasm/source-node.js',
    ]);
    const used = new Set([...all.values()].flatMap((f) => [...f.imports, ...f.nodeStrings].filter((s) => s.startsWith('node:'))));
    expect([...used].sort()).toEqual(['node:fs', 'node:fs/promises', 'node:os', 'node:url', 'node:worker_threads']);
    // nothing pulls in Node built-ins without the node: prefix either
    const bare = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'http', 'https', 'net', 'worker_threads', 'url', 'crypto', 'vm'];
    expect(where((f) => [...f.imports].some((s) => bare.includes(s)))).toEqual([]);
  });

  it('imports only its own modules and fast-png (no other dependency is reachable)', () => {
    const external = new Set([...all.values()].flatMap((f) => [...f.imports].filter((s) => !s.startsWith('.') && !s.startsWith('node:'))));
    expect([...external].sort()).toEqual(['fast-png']);
  });

  it('dynamic imports of computed specifiers are only the two thread-pool ones, and both are constants', () => {
    expect(where((f) => f.dynamicImports.size > 0)).toEqual(['threads/env.js', 'threads/setup.js']);
    // their values: the specifier constants declared in the same file (either quote, and
    // maybe in one const list: dist/ is reprinted by scripts/compact-js.mjs)
    expect(readFileSync(join(DIST, 'threads/env.js'), 'utf8')).toMatch(/\bOS ?= ?(['"])node:os\1[;,]/);
    expect(readFileSync(join(DIST, 'threads/setup.js'), 'utf8')).toMatch(/\bNODE_SPAWNER ?= ?(['"])\.\/spawn-node\.js\1[;,]/);
  });

  it('the file system is only read: readFile (its own .wasm) and existsSync (its worker script)', () => {
    const fsUsers = where((f) => f.fsNames.size > 0);
    expect(fsUsers).toEqual(['threads/spawn-node.js', 'wasm/source-node.js']);
    const names = new Set([...all.values()].flatMap((f) => [...f.fsNames]));
    expect([...names].sort()).toEqual(['existsSync', 'readFile']);
  });

  it('workers are started only by the thread pool spawners', () => {
    expect(where((f) => f.calls.has('new Worker') || f.calls.has('new SharedWorker'))).toEqual(['threads/spawn-node.js', 'threads/spawn-web.js']);
  });

  it.each([['browser.js', 'browser'], ['workerd.js', 'neutral']] as const)('the %s entry bundles without any node: module', async (entry, platform) => {
    const result = await build({
      entryPoints: [join(DIST, entry)], bundle: true, write: false, format: 'esm', platform, logLevel: 'silent', metafile: true,
      conditions: platform === 'browser' ? ['browser'] : ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:') || /source-node|spawn-node|worker-node/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith(`dist/${entry}`))).toBe(true);
  });

  it('the WebAssembly modules import only their memory and export only functions, globals and that memory', () => {
    for (const file of ['simdconv.wasm', 'simdconv-mt.wasm']) {
      const path = join(DIST, file);
      if (file === 'simdconv-mt.wasm' && !existsSync(path)) continue;
      const m = new WebAssembly.Module(readFileSync(path));
      expect(WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}:${i.kind}`), file).toEqual(['env.memory:memory']);
      const kinds = new Set(WebAssembly.Module.exports(m).map((e) => e.kind));
      expect([...kinds].filter((k) => k !== 'function' && k !== 'global' && k !== 'memory'), file).toEqual([]);
      expect(WebAssembly.Module.exports(m).filter((e) => e.kind === 'memory').length, `${file}: re-exports at most its imported memory`).toBeLessThanOrEqual(1);
    }
  });
});
