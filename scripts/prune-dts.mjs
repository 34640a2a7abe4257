// Deletes from dist/ the declaration files no public entry reaches (run by `npm run build:ts`
// after tsc). The package's types are what its entries' .d.ts files (package.json "types" and
// every "types" condition of "exports") import, transitively; the rest describe internals (the
// kernel table, the thread protocol, the conv dispatch) that no consumer can import, and were a
// fifth of the tarball's declarations. tsc writes relative specifiers as "./x.js" in `import ...
// from`, `export ... from` and `import("...")`; each resolves to x.d.ts. The build fails if a
// reached specifier has no .d.ts; test/package.test.ts checks the shipped set is closed.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** The .d.ts files of package.json's "types" and "exports" conditions. */
export function entryDeclarations(pkg) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === 'string') { if (v.endsWith('.d.ts')) out.add(normalize(join(root, v))); }
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(pkg.types);
  walk(pkg.exports);
  return out;
}

/** The relative modules a declaration file imports or re-exports, as .d.ts paths. */
export function declarationImports(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) {
    out.push(normalize(join(dirname(file), m[1].replace(/\.js$/, '.d.ts'))));
  }
  return out;
}

function* declarations(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* declarations(p);
    else if (e.name.endsWith('.d.ts')) yield p;
  }
}

if (process.argv[1] && normalize(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const reached = new Set();
  const stack = [...entryDeclarations(pkg)];
  while (stack.length > 0) {
    const f = stack.pop();
    if (reached.has(f)) continue;
    if (!existsSync(f)) throw new Error(`prune-dts: ${relative(root, f)} is imported by a public declaration but was not built`);
    reached.add(f);
    stack.push(...declarationImports(f));
  }
  let removed = 0, bytes = 0;
  for (const f of [...declarations(dist)]) {
    if (reached.has(f)) continue;
    bytes += readFileSync(f).length;
    rmSync(f);
    removed++;
  }
  console.log(`prune-dts: kept ${reached.size} declaration files, removed ${removed} internal ones (${bytes} bytes)`);
}
