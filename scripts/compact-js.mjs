// Reprints the JavaScript that tsc wrote to dist/ without comments and without indentation (run
// by `npm run build:ts` after tsc; esbuild's minifyWhitespace, nothing else: identifiers, function
// names in stack traces, statements and the ES2022 syntax stay as tsc wrote them). The comments of
// src/ document the source for its readers; in the package, with the indentation, they were a
// quarter of the tarball. The .d.ts files keep every TSDoc comment (what editors show), and
// the bundler hints inside import() (`/* @vite-ignore */ /* webpackIgnore: true */`) that the threads
// and environment probes rely on are put back (minifyWhitespace drops them): every import() of a
// computed specifier in src/ carries both, and the build fails if the counts disagree;
// test/package.test.ts checks both.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);

function* jsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(p);
    else if (e.name.endsWith('.js')) yield p;
  }
}

/** The hints every import() of a computed specifier carries, exactly as written in src/. */
const HINTS = '/* @vite-ignore */ /* webpackIgnore: true */';

let before = 0, after = 0, files = 0;
for (const file of jsFiles(dist.pathname)) {
  const code = readFileSync(file, 'utf8');
  let out = transformSync(code, { loader: 'js', format: 'esm', target: 'es2022', legalComments: 'none', charset: 'utf8', minifyWhitespace: true }).code;
  const hinted = code.split(HINTS).length - 1;
  let computed = 0;
  out = out.replace(/\bimport\((?![\s"'`])/g, () => {
    computed++;
    return `import(${HINTS} `;
  });
  if (computed !== hinted) throw new Error(`${file}: ${computed} import() of a computed specifier, ${hinted} with the bundler hints ${HINTS}`);
  writeFileSync(file, out);
  before += code.length;
  after += out.length;
  files++;
}
console.log(`compact-js: ${files} files in dist/, ${before} -> ${after} characters`);
