// Doc examples are tests. Every `@example` block in src/**/*.ts is extracted with the TypeScript
// compiler API, transpiled, and run with `sc` bound to the library (after init); it fails if it
// throws, or if a line ending in `// => value` evaluates to something else than `value` (a JS
// expression; tensors compare by toArray(), typed arrays as arrays, numbers to float32 precision).
// The example's own `import * as sc from 'simdconv'` is dropped (sc is given); other imports of the
// package or its subpaths ('simdconv/image') load the matching module of src/. An example that
// cannot run under Node (it needs a bundler or another runtime) says so on its first line with
// `// not run in Node: <reason>`; those are listed and must stay few.
// Then: every export of src/index.ts (and of its namespaces nn, optim, kernels) has a doc comment
// with an @example.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');

beforeAll(async () => {
  await sc.init();
});

// ---- extraction ---------------------------------------------------------------------------------

interface Example {
  /** file:line of the @example tag and the documented declaration. */
  where: string;
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** The name of the declaration a JSDoc comment belongs to, for messages. */
function declName(node: ts.Node): string {
  const n = (node as { name?: ts.Node }).name;
  if (n && ts.isIdentifier(n)) {
    const parent = node.parent && (ts.isClassDeclaration(node.parent) || ts.isInterfaceDeclaration(node.parent)) ? node.parent.name?.text : undefined;
    return parent ? `${parent}.${n.text}` : n.text;
  }
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  return ts.SyntaxKind[node.kind];
}

/**
 * The code of an @example tag: the tag comment's raw lines from the source, with the JSDoc
 * margin (` * `) removed and the common indentation stripped.
 */
function exampleCode(file: ts.SourceFile, tag: ts.JSDocTag): string {
  const raw = file.text.slice(tag.tagName.end, tag.end);
  const lines = raw.split('\n').map((l, i) => (i === 0 ? l : l.replace(/^\s*\*(?!\/) ?/, '')));
  while (lines.length > 0 && lines[lines.length - 1]!.trim().replace(/\*\/$/, '').trim() === '') lines.pop();
  const last = lines.length - 1;
  if (last >= 0) lines[last] = lines[last]!.replace(/\s*\*\/\s*$/, '');
  const body = lines.map((l, i) => (i === 0 ? l.replace(/^\s+/, '') : l));
  const indent = Math.min(...body.slice(1).filter((l) => l.trim() !== '').map((l) => l.match(/^\s*/)![0].length), Infinity);
  return body.map((l, i) => (i === 0 || !Number.isFinite(indent) ? l : l.slice(indent))).join('\n').trim();
}

function extract(path: string): Example[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const out: Example[] = [];
  const visit = (node: ts.Node): void => {
    for (const doc of (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) {
      for (const tag of doc.tags ?? []) {
        if (tag.tagName.text !== 'example') continue;
        const line = file.getLineAndCharacterOfPosition(tag.getStart()).line + 1;
        out.push({ where: `${relative(root, path)}:${line} (${declName(node)})`, code: exampleCode(file, tag) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const examples = sourceFiles(srcDir).flatMap(extract);
const SKIP = /^\/\/ not run in Node: (.+)/;

// ---- running ------------------------------------------------------------------------------------

const CHECK = /^(.*?)\s*\/\/ =>\s*(.+)$/;

/**
 * Rewrites `expr // => want` lines into checks (a line holding only `// => want` checks the line
 * before it); turns imports of the package into the library itself.
 */
function instrument(code: string, where: string): string {
  const out: string[] = [];
  const asCheck = (stmt: string, want: string, loc: string): string => {
    const decl = /^(\s*)(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/.exec(stmt);
    if (decl) return `${stmt.replace(/;\s*$/, '')}; __check(${decl[2]}, () => (${want}), ${loc});`;
    return `${stmt.match(/^\s*/)![0]}__check((${stmt.trim().replace(/;\s*$/, '')}), () => (${want}), ${loc});`;
  };
  code.split('\n').forEach((line, i) => {
    const imp = /^\s*import\s+(.+?)\s+from\s+['"]simdconv(\/[\w-]+)?['"];?\s*$/.exec(line);
    if (imp) {
      // `import * as sc from 'simdconv'`: sc is given; other forms and subpaths load the source module.
      const [, what, sub] = imp as unknown as [string, string, string | undefined];
      if (sub === undefined && /^\*\s+as\s+sc$/.test(what)) out.push('');
      else out.push(`const ${what.replace(/^\*\s+as\s+/, '').replace(/\bas\b/g, ':')} = await __import(${JSON.stringify(sub ?? '')});`);
      return;
    }
    const m = CHECK.exec(line);
    if (!m) {
      out.push(line);
      return;
    }
    const [, stmt, want] = m as unknown as [string, string, string];
    const loc = JSON.stringify(`${where}, line ${i + 1}: ${line.trim()}`);
    if (stmt.trim() !== '') {
      out.push(asCheck(stmt, want, loc));
      return;
    }
    let k = out.length - 1;
    while (k >= 0 && out[k]!.trim() === '') k--;
    if (k < 0 || out[k]!.includes('__check(')) throw new Error(`${where}: a '// =>' line must follow an expression: ${line.trim()}`);
    out[k] = asCheck(out[k]!, want, loc);
  });
  return out.join('\n');
}

/** The package's entry points, for examples that import them. */
async function packageModule(sub: string): Promise<unknown> {
  if (sub === '') return sc;
  // The inline entry's embedded module is generated by the build: only dist/ has it.
  if (sub === '/inline') return import(/* @vite-ignore */ join(srcDir, '../dist/inline.js'));
  // 'simdconv/image' is src/image.ts; 'simdconv/nn' and 'simdconv/optim' are folders' index.ts.
  const file = existsSync(join(srcDir, `${sub}.ts`)) ? `${sub}.ts` : `${sub}/index.ts`;
  return import(/* @vite-ignore */ join(srcDir, file));
}

function plain(v: unknown): unknown {
  if (v instanceof sc.Tensor) return v.toArray();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

/** Deep equality with float32 tolerance on numbers; returns a path to the first difference or null. */
function differs(got: unknown, want: unknown, path = ''): string | null {
  got = plain(got);
  want = plain(want);
  if (typeof got === 'number' && typeof want === 'number') {
    if (Number.isNaN(got) && Number.isNaN(want)) return null;
    return got === want || Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)) ? null : `${path || 'value'}: ${got} vs ${want}`;
  }
  if (Array.isArray(got) && Array.isArray(want)) {
    if (got.length !== want.length) return `${path || 'value'}: length ${got.length} vs ${want.length}`;
    for (let i = 0; i < got.length; i++) {
      const d = differs(got[i], want[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (got !== null && want !== null && typeof got === 'object' && typeof want === 'object' && Object.getPrototypeOf(want) === Object.prototype) {
    const keys = new Set([...Object.keys(got), ...Object.keys(want)]);
    for (const k of keys) {
      const d = differs((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(got, want) ? null : `${path || 'value'}: ${String(got)} vs ${String(want)}`;
}

function show(v: unknown): string {
  const p = plain(v);
  try {
    return typeof p === 'string' ? JSON.stringify(p) : JSON.stringify(p) ?? String(p);
  } catch {
    return String(p);
  }
}

async function run(ex: Example): Promise<{ checks: number; logs: unknown[][] }> {
  const body = instrument(ex.code, ex.where);
  const js = ts.transpileModule(`(async (sc, __check, console, __import) => {\n${body}\n})`, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false },
    reportDiagnostics: true,
    fileName: 'example.ts',
  });
  if (js.diagnostics && js.diagnostics.length > 0) {
    throw new Error(`${ex.where}: does not parse: ${ts.flattenDiagnosticMessageText(js.diagnostics[0]!.messageText, '\n')}\n${ex.code}`);
  }
  const fn = (0, eval)(js.outputText) as (s: typeof sc, check: unknown, c: unknown, i: typeof packageModule) => Promise<void>;
  let checks = 0;
  const logs: unknown[][] = [];
  const quiet = { ...console, log: (...a: unknown[]) => logs.push(a), info: () => {}, warn: () => {} };
  const check = (got: unknown, want: () => unknown, loc: string): void => {
    checks++;
    const expected = want();
    const d = differs(got, expected);
    if (d) throw new Error(`${loc}\n  got ${show(got)}, expected ${show(expected)} (${d})`);
  };
  try {
    await fn(sc, check, quiet, packageModule);
  } catch (e) {
    const err = e as Error;
    if (err.message.startsWith(ex.where)) throw err;
    throw new Error(`${ex.where} threw ${err.name}: ${err.message}\n--- example ---\n${ex.code}`);
  }
  return { checks, logs };
}

describe('doc examples', () => {
  it('are found', () => {
    expect(examples.length).toBeGreaterThan(80);
  });

  const runnable = examples.filter((e) => !SKIP.test(e.code));

  it('few examples are marked as not runnable in Node, each with a reason', () => {
    const skipped = examples.filter((e) => SKIP.test(e.code));
    for (const e of skipped) expect(SKIP.exec(e.code)![1]!.trim().length, e.where).toBeGreaterThan(10);
    expect(skipped.map((e) => e.where).filter((w) => !/^src\/(workerd|browser)\.ts/.test(w)), 'only the Workers and browser entries').toEqual([]);
  });

  it.each(runnable.map((e) => [e.where, e] as const))('%s', async (_, ex) => {
    await run(ex);
  });

  it('check their `// =>` values (the checks can fail)', async () => {
    await expect(run({ where: 'self-test', code: 'sc.tensor([1, 2]).add(1)   // => [2, 4]' })).rejects.toThrow(/got \[2,3\], expected \[2,4\]/);
    await expect(run({ where: 'self-test', code: 'const n = sc.zeros([2]).size   // => 3' })).rejects.toThrow(/got 2, expected 3/);
    await expect(run({ where: 'self-test', code: 'undefinedThing()' })).rejects.toThrow(/self-test threw ReferenceError/);
    const ok = await run({ where: 'self-test', code: "import * as sc from 'simdconv';\nsc.tensor([0.1]).item()   // => 0.1\nconsole.log('quiet')" });
    expect(ok.checks).toBe(1);
    expect(ok.logs).toEqual([['quiet']]);
  });
});

// ---- every public export is documented ----------------------------------------------------------

interface ExportDoc {
  name: string;
  documented: boolean;
  hasExample: boolean;
}

function publicExports(): ExportDoc[] {
  const entry = join(srcDir, 'index.ts');
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, skipLibCheck: true, noEmit: true, types: [],
  });
  const checker = program.getTypeChecker();
  const out: ExportDoc[] = [];
  const walk = (moduleSymbol: ts.Symbol, prefix: string): void => {
    for (const sym of checker.getExportsOfModule(moduleSymbol)) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const name = prefix + sym.getName();
      if (target.flags & ts.SymbolFlags.ValueModule && target.declarations?.some(ts.isSourceFile)) {
        walk(target, `${name}.`); // export * as nn from ...
        continue;
      }
      const docs = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      const tags = target.getJsDocTags(checker);
      out.push({ name, documented: docs.length > 0, hasExample: tags.some((t) => t.name === 'example') });
    }
  };
  const file = program.getSourceFile(entry)!;
  walk(checker.getSymbolAtLocation(file)!, '');
  return out;
}

describe('public API documentation', () => {
  const exported = publicExports();

  it('lists the exports of src/index.ts, through core.ts and the namespaces', () => {
    const names = exported.map((e) => e.name);
    for (const n of ['init', 'tensor', 'corr2d', 'conv2d', 'matmul', 'toeplitz', 'im2col', 'receptiveField', 'nn.Conv2d', 'optim.SGD', 'kernels.gaussian', 'SimdconvError']) {
      expect(names).toContain(n);
    }
  });

  it('every export has a doc comment with an @example', () => {
    const undocumented = exported.filter((e) => !e.documented).map((e) => e.name);
    const withoutExample = exported.filter((e) => e.documented && !e.hasExample).map((e) => e.name);
    expect({ undocumented, withoutExample }).toEqual({ undocumented: [], withoutExample: [] });
  });
});
