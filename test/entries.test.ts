// The package's other ways in, against the built package installed into a consumer project
// (test/runtimes/harness.ts): the inline entry in Node, `require('simdconv')` from CommonJS
// (require(esm): Node >= 20.19 and >= 22.12), and the message when a bundle has lost the .wasm.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { consumer, runIn } from './runtimes/harness.js';

const LESSON = `
  await sc.init();
  const Y = sc.tidy(() => sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray());
  return { Y, live: sc.memory().tensors, threads: sc.capabilities().threads };`;

function node(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [file], { cwd: consumer(), env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe("simdconv/nn and simdconv/optim (the namespaces' classes, for bundlers that drop unused exports)", () => {
  it('are the same classes as sc.nn and sc.optim, and train on the one runtime', async () => {
    const r = await runIn('node', { code: `import * as sc from 'simdconv';
      import * as nn from 'simdconv/nn';
      import * as optim from 'simdconv/optim';
      export default async () => {
        await sc.init();
        const conv = new nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
        const opt = new optim.SGD(conv, { lr: 0.1 });
        const x = sc.ones([1, 1, 1, 2]);
        const before = conv.forward(x).item();
        conv.forward(x).square().sum().backward();
        opt.step();
        return { same: nn.Conv2d === sc.nn.Conv2d && optim.Adam === sc.optim.Adam && nn.crossEntropy === sc.nn.crossEntropy,
          layer: conv instanceof sc.nn.Module, moved: conv.forward(x).item() !== before };
      };` });
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ same: true, layer: true, moved: true });
  });
});

describe("simdconv/inline (the kernels embedded in the JavaScript)", () => {
  it('runs the lesson in Node without reading a .wasm file', async () => {
    const r = await runIn('node', { code: `import * as sc from 'simdconv/inline';\nexport default async () => {${LESSON}\n};` });
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ Y: [[19, 25], [37, 43]], live: 0, threads: 1 });
  });

  it('runs on one thread when asked for more (it embeds the single-thread build)', async () => {
    const r = await runIn('node', { code: `import * as sc from 'simdconv/inline';
      export default async () => { await sc.init({ threads: 2 }); return sc.capabilities().threads; };` });
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(1);
  });
});

describe("require('simdconv') from CommonJS (require(esm), unflagged since Node 20.19 and 22.12)", () => {
  it.runIf(process.features.require_module === true)(`works on this Node (${process.version}), silently, for both entries`, async () => {
    const file = join(consumer(), `require-${process.pid}.cjs`);
    writeFileSync(file, `
      const sc = require('simdconv');
      const inline = require('simdconv/inline');
      sc.init().then(() => {
        const Y = sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray();
        console.log(JSON.stringify({ Y, inline: typeof inline.init, error: sc.SimdconvError.name }));
      });`);
    const r = await node(file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ Y: [[19, 25], [37, 43]], inline: 'function', error: 'SimdconvError' });
  });
});

describe('a Node bundle that left the .wasm behind', () => {
  it('init says which file it read, names no argument, and gives the one-line fix', async () => {
    const dir = mkdtempSync(join(consumer(), 'node-bundle-'));
    writeFileSync(join(dir, 'app.mjs'), `import * as sc from 'simdconv';
      try { await sc.init(); console.log('no error'); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`);
    await build({ entryPoints: [join(dir, 'app.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'out/app.mjs'), logLevel: 'silent' });
    const r = await node(join(dir, 'out/app.mjs'));
    const e = JSON.parse(r.stdout) as { name: string; message: string };
    expect(e.name).toBe('UnsupportedRuntimeError');
    expect(e.message).toMatch(/^init: the simdconv kernel module was not found: reading file:\/\/\S+\/node-bundle-\w+\/simdconv\.wasm \(ENOENT.*\) failed\. Fix: import 'simdconv\/inline' instead of 'simdconv'.* or pass init\(\{ url:/);
    expect(e.message).not.toMatch(/argument/);
  });
});
