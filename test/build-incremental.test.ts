// scripts/build.mjs decides which build steps run. On a temporary tree with the same layout (and
// a stand-in `run` that writes the step's outputs): a fresh tree builds everything, an unchanged
// one nothing; editing, adding or removing an input reruns exactly the steps that read it (an
// assembly file: the wasm step, and the inline step after it since dist/simdconv.wasm changed);
// touching a file without changing it reruns nothing; a missing or hand-edited output reruns its
// step; a failed step is not recorded; --force and CI=true run everything.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { build, steps } from '../scripts/build.mjs';

interface Step { name: string; outputs: string[] }
type Ran = { name: string; reason: string }[];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let root: string;
let runs: string[];
/** What the stand-in "compiler" writes: the wasm outputs depend on the assembly sources. */
const write = (f: string, text: string): void => {
  mkdirSync(dirname(join(root, f)), { recursive: true });
  writeFileSync(join(root, f), text);
};
const read = (f: string): string => readFileSync(join(root, f), 'utf8');
function run(step: Step): void {
  runs.push(step.name);
  const assembly = read('assembly/index.ts');
  for (const f of step.outputs) write(f, step.name === 'wasm' ? `wasm of ${assembly}` : `${step.name} output`);
}
const again = (opts: { force?: boolean; run?: (s: Step) => void } = {}): Ran => {
  runs = [];
  return build(root, { run, ...opts }) as Ran;
};
const names = (r: Ran): string[] => r.map((s) => s.name);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'simdconv-build-'));
  write('assembly/index.ts', 'export function f(): void {}\n');
  write('assembly/conv.ts', '// conv\n');
  write('asconfig.json', '{}\n');
  write('scripts/release-wasm.mjs', '// release\n');
  write('scripts/inline-wasm.mjs', '// inline\n');
  write('scripts/build.mjs', readFileSync(join(ROOT, 'scripts/build.mjs'), 'utf8'));
  write('node_modules/assemblyscript/package.json', '{"version":"0.28.8"}');
  write('node_modules/typescript/package.json', '{"version":"5.9.3"}');
  write('src/index.ts', 'export {};\n');
  write('src/wasm/runtime.ts', 'export {};\n');
  write('src/wasm-module.d.ts', 'export {};\n');
  write('tsconfig.json', '{}\n');
  write('tsconfig.build.json', '{}\n');
  write('package.json', JSON.stringify({ types: './dist/index.d.ts', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }));
  runs = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/build.mjs: which steps run', () => {
  it('a fresh tree (a clean clone, CI) builds every step, in order; then nothing is stale', () => {
    expect(again()).toEqual([
      { name: 'wasm', reason: 'never built here' },
      { name: 'ts', reason: 'never built here' },
      { name: 'inline', reason: 'never built here' },
    ]);
    expect(existsSync(join(root, 'dist/wasm/runtime.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/index.d.ts'))).toBe(true); // an entry's declarations (the rest: scripts/prune-dts.mjs)
    expect(again()).toEqual([]);
    expect(runs).toEqual([]);
  });

  it('an edited assembly file rebuilds the wasm, and the inline module that embeds it; not the TypeScript', () => {
    again();
    write('assembly/conv.ts', '// conv, edited\n');
    write('assembly/index.ts', 'export function f(): void { /* edited */ }\n');
    expect(again()).toEqual([{ name: 'wasm', reason: 'inputs changed' }, { name: 'inline', reason: 'inputs changed' }]);
    expect(again()).toEqual([]);
  });

  it.each([
    ['an added assembly file', () => write('assembly/pool.ts', '// new\n'), ['wasm']],
    ['a removed assembly file', () => unlinkSync(join(root, 'assembly/conv.ts')), ['wasm']],
    ['asconfig.json', () => write('asconfig.json', '{"targets":{}}\n'), ['wasm']],
    ['scripts/release-wasm.mjs', () => write('scripts/release-wasm.mjs', '// release 2\n'), ['wasm']],
    ['another AssemblyScript version', () => write('node_modules/assemblyscript/package.json', '{"version":"0.28.9"}'), ['wasm']],
    ['an edited src file', () => write('src/wasm/runtime.ts', 'export const x = 1;\n'), ['ts']],
    ['an added src file', () => write('src/ops/new.ts', 'export {};\n'), ['ts']],
    ['an edited declaration in src', () => write('src/wasm-module.d.ts', 'export type X = 1;\n'), ['ts']],
    ['tsconfig.build.json', () => write('tsconfig.build.json', '{"compilerOptions":{}}\n'), ['ts']],
    ['tsconfig.json', () => write('tsconfig.json', '{"compilerOptions":{}}\n'), ['ts']],
    ['another TypeScript version', () => write('node_modules/typescript/package.json', '{"version":"6.0.0"}'), ['ts']],
    ['scripts/inline-wasm.mjs', () => write('scripts/inline-wasm.mjs', '// inline 2\n'), ['inline']],
    ['scripts/build.mjs', () => write('scripts/build.mjs', `${read('scripts/build.mjs')}\n// edited\n`), ['wasm', 'ts', 'inline']],
  ] as const)('%s reruns exactly the steps that read it', (_name, change, expected) => {
    again();
    change();
    const ran = again();
    expect(names(ran)).toEqual(expected);
    for (const r of ran) expect(r.reason).toBe('inputs changed');
  });

  it('touching files without changing them reruns nothing', () => {
    again();
    const later = new Date(Date.now() + 60_000);
    for (const f of ['assembly/index.ts', 'asconfig.json', 'src/index.ts', 'tsconfig.json']) utimesSync(join(root, f), later, later);
    expect(again()).toEqual([]);
  });

  it('a missing output reruns its step', () => {
    again();
    unlinkSync(join(root, 'dist/index.d.ts'));
    expect(again()).toEqual([{ name: 'ts', reason: 'dist/index.d.ts is missing' }]);
    rmSync(join(root, 'build'), { recursive: true }); // the test builds and the stamps with them
    expect(names(again())).toEqual(['wasm', 'ts', 'inline']);
  });

  it('a wasm output replaced since it was built (e.g. by hand) reruns the wasm step', () => {
    again();
    write('dist/simdconv.wasm', 'something else');
    expect(again()).toEqual([
      { name: 'wasm', reason: 'dist/simdconv.wasm was changed since it was built' },
    ]);
  });

  it('a failed step is not recorded: it runs again next time, and the steps after it did not run', () => {
    again();
    write('assembly/index.ts', 'syntax error\n');
    expect(() => again({ run: (s) => { runs.push(s.name); throw new Error('asc failed'); } })).toThrow('asc failed');
    expect(runs).toEqual(['wasm']);
    expect(names(again())).toEqual(['wasm', 'inline']);
  });

  it('force runs every step', () => {
    again();
    expect(again({ force: true })).toEqual(['wasm', 'ts', 'inline'].map((name) => ({ name, reason: 'forced' })));
  });
});

describe('scripts/build.mjs on this repository', () => {
  it('lists outputs that the build really wrote (dist/ as built for this suite)', () => {
    const missing = (steps(ROOT) as Step[]).flatMap((s) => s.outputs).filter((f) => !existsSync(join(ROOT, f)));
    expect(missing).toEqual([]);
  });

  it('the command line: runs the stale steps through npm, none when up to date, all under CI=true', () => {
    // The CLI runs steps through `npm run <script>` (npm_execpath); a stand-in npm records them.
    write('npm-cli.mjs', "import { appendFileSync } from 'node:fs'; appendFileSync(process.cwd() + '/ran.txt', process.argv[4] + '\\n');\n");
    const cli = (env: Record<string, string>): string[] => {
      rmSync(join(root, 'ran.txt'), { force: true });
      execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {
        cwd: root, env: { ...process.env, npm_execpath: join(root, 'npm-cli.mjs'), CI: '', ...env }, stdio: 'pipe',
      });
      return existsSync(join(root, 'ran.txt')) ? read('ran.txt').trim().split('\n') : [];
    };
    // The outputs exist (as if built by hand), the tree was never built by the script.
    for (const f of (steps(root) as Step[]).flatMap((s) => s.outputs)) write(f, 'x');
    const all = ['build:wasm', 'build:ts', 'build:inline'];
    expect(cli({})).toEqual(all);
    expect(cli({})).toEqual([]);
    expect(cli({ CI: 'true' })).toEqual(all);
    expect(cli({ CI: '1' })).toEqual(all);
  });

  it('rejects an unknown argument', () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--bogus'], { stdio: 'pipe' })).toThrow(/unknown argument --bogus/);
  });
});
