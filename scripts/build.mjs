// `node scripts/build.mjs [--force] [--wasm]`: brings build/ and dist/ up to date, running only the
// steps whose inputs changed since they last succeeded (what `npm start`, `npm test`,
// `npm run examples`, ... run first). `npm run build` passes --force: every step runs. --wasm stops
// after the kernel modules (the playground needs nothing else).
//
// Steps, in order, each the npm script of the same name (package.json keeps the commands):
//   wasm    build:wasm    assembly/**, asconfig.json, scripts/release-wasm.mjs, the asc version
//                         -> build/*-test.wasm, dist/simdconv.wasm, dist/simdconv-mt.wasm
//   ts      build:ts      src/**, tsconfig.json, tsconfig.build.json, the tsc version
//                         -> dist/**/*.js, one per src/**/*.ts, and the .d.ts the entries reach
//   inline  build:inline  dist/simdconv.wasm, scripts/inline-wasm.mjs -> dist/wasm/simdconv-base64.js
// scripts/build.mjs is an input of every step. A step is up to date when build/build-stamps.json
// records the SHA-256 of its inputs' contents (paths and bytes: touching a file is not a change,
// editing it is; an added or removed file is) equal to today's, and its outputs exist with the
// hashes recorded when it last ran, for the listed files. No stamp (a clean clone, CI) means every
// step runs; so does CI=true in the environment.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const STAMPS = 'build/build-stamps.json';

/** Files under `dir` (relative to root, '/'-separated, sorted), every depth; none if it does not exist. */
function walk(root, dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const name of readdirSync(abs)) {
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) out.push(...walk(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The .d.ts files of package.json's "types" and "exports" conditions, relative to root. */
function entryDeclarations(root) {
  const out = new Set();
  const visit = (v) => {
    if (typeof v === 'string') { if (v.endsWith('.d.ts')) out.add(v.replace(/^\.\//, '')); }
    else if (v && typeof v === 'object') for (const x of Object.values(v)) visit(x);
  };
  if (!existsSync(join(root, 'package.json'))) return [];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  visit(pkg.types);
  visit(pkg.exports);
  return [...out].sort();
}

/** The steps: their input files and the output files that must exist (with `hashed` ones' bytes recorded). */
export function steps(root) {
  const srcTs = walk(root, 'src').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  return [
    {
      name: 'wasm',
      script: 'build:wasm',
      inputs: [...walk(root, 'assembly'), 'asconfig.json', 'scripts/release-wasm.mjs', 'scripts/build.mjs',
        'node_modules/assemblyscript/package.json'],
      outputs: ['build/simdconv-test.wasm', 'build/simdconv-mt-test.wasm', 'dist/simdconv.wasm', 'dist/simdconv-mt.wasm'],
      hashed: true,
    },
    {
      name: 'ts',
      script: 'build:ts',
      inputs: [...walk(root, 'src'), 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/compact-js.mjs', 'scripts/prune-dts.mjs', 'package.json', 'node_modules/typescript/package.json', 'node_modules/esbuild/package.json'],
      // One .js per src/**/*.ts; of the declarations, those of the package's entries (the others
      // that they reach are kept, the rest removed, by scripts/prune-dts.mjs).
      outputs: [...srcTs.map((f) => `dist/${f.slice('src/'.length, -'.ts'.length)}.js`), ...entryDeclarations(root)],
      hashed: false,
    },
    {
      name: 'inline',
      script: 'build:inline',
      inputs: ['dist/simdconv.wasm', 'scripts/inline-wasm.mjs', 'scripts/build.mjs'],
      outputs: ['dist/wasm/simdconv-base64.js'],
      hashed: true,
    },
  ];
}

function fileHash(root, f) {
  return createHash('sha256').update(readFileSync(join(root, f))).digest('hex');
}

/** SHA-256 over the inputs' paths and contents (a missing input counts as its own state). */
export function inputHash(root, inputs) {
  const h = createHash('sha256');
  for (const f of inputs) {
    h.update(f).update('\0');
    const abs = join(root, f);
    h.update(existsSync(abs) ? readFileSync(abs) : '<missing>').update('\0');
  }
  return h.digest('hex');
}

export function readStamps(root) {
  try {
    return JSON.parse(readFileSync(join(root, STAMPS), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Why `step` must run, or null when it is up to date: `stamp` is what the last successful run
 * recorded ({ inputs, outputs }), `hash` today's input hash.
 */
export function staleReason(root, step, stamp, hash) {
  if (!stamp) return 'never built here';
  if (stamp.inputs !== hash) return 'inputs changed';
  for (const f of step.outputs) {
    if (!existsSync(join(root, f))) return `${f} is missing`;
    if (step.hashed && stamp.outputs?.[f] !== fileHash(root, f)) return `${f} was changed since it was built`;
  }
  return null;
}

/** The record of a step that just succeeded. */
export function stampOf(root, step, hash) {
  return { inputs: hash, outputs: step.hashed ? Object.fromEntries(step.outputs.map((f) => [f, fileHash(root, f)])) : {} };
}

/**
 * Runs the steps that are stale (all with `force`), in order, through `run(step)`; records each
 * success at once. A step's input hash is taken before it runs (an edit during the build is seen
 * next time). Returns [{ name, reason }] for the steps it ran.
 */
export function build(root, { force = false, only = null, run, log = () => {} }) {
  const ran = [];
  for (const step of steps(root)) {
    if (only && !only.includes(step.name)) continue;
    const stamps = readStamps(root);
    const hash = inputHash(root, step.inputs);
    const reason = force ? 'forced' : staleReason(root, step, stamps[step.name], hash);
    if (reason === null) continue;
    log(`build: ${step.name} (${reason})`);
    run(step);
    stamps[step.name] = stampOf(root, step, hash);
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, STAMPS), `${JSON.stringify(stamps, null, 2)}\n`);
    ran.push({ name: step.name, reason });
  }
  return ran;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--force' && a !== '--wasm');
  if (unknown.length > 0) {
    console.error(`build: unknown argument ${unknown.join(' ')} (known: --force, --wasm)`);
    process.exit(2);
  }
  const force = args.includes('--force') || process.env.CI === 'true' || process.env.CI === '1';
  const npm = process.env.npm_execpath;
  try {
    const ran = build(root, {
      force,
      only: args.includes('--wasm') ? ['wasm'] : null,
      log: (m) => console.error(m),
      // Through npm, so the commands live in package.json only; npm_execpath is set under `npm run`.
      run: (step) => execFileSync(npm ? process.execPath : 'npm', npm ? [npm, 'run', '--silent', step.script] : ['run', '--silent', step.script],
        { cwd: root, stdio: 'inherit' }),
    });
    if (ran.length === 0) console.error('build: up to date');
  } catch (e) {
    console.error(`build: ${e.message.split('\n')[0]}`);
    process.exit(1);
  }
}
