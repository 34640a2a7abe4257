// init from bytes, from a file URL and by default (Node finds dist/simdconv.wasm itself): each in
// a child process, since a process initialises once.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (initCall: string): string =>
  execFileSync(process.execPath, ['--input-type=module', '-e', `
    import * as sc from './dist/index.js';
    import { readFileSync } from 'node:fs';
    await ${initCall};
    process.stdout.write(JSON.stringify(sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()));
  `], { cwd: root, encoding: 'utf8' });

describe('init sources (built package, child processes)', () => {
  it.each([
    ['default (the .wasm beside dist/index.js)', 'sc.init()'],
    ['bytes', "sc.init({ bytes: readFileSync('dist/simdconv.wasm') })"],
    ['a file URL', "sc.init({ url: new URL('./dist/simdconv.wasm', 'file://' + process.cwd() + '/') })"],
    ['a path string', "sc.init({ url: 'dist/simdconv.wasm' })"],
  ])('%s', (_name, call) => {
    expect(JSON.parse(run(call))).toEqual([[19, 25], [37, 43]]);
  });
});
