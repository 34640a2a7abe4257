// init in other runtimes, against the built package: the ways to supply the module (Deno, Bun;
// Node's are in test/init-sources.test.ts), and failures that must be ONE clear
// UnsupportedRuntimeError: a host without WebAssembly SIMD (simulated by stubbing
// WebAssembly.validate in the child runtime, with compilation and instantiation booby-trapped to
// show they are never reached), and Workers given bytes.
import { describe, expect, it } from 'vitest';
import { runIn, type Runtime } from './harness.js';

const CORR = `sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()`;

describe.each(['deno', 'bun'] as const)('%s: init sources', (r) => {
  const wasm = "import.meta.resolve('simdconv/simdconv.wasm')";
  it.each([
    ['default (the .wasm beside the entry, read with node:fs)', 'sc.init()'],
    ['bytes', `sc.init({ bytes: await readFile(new URL(${wasm})) })`],
    ['a file: URL', `sc.init({ url: new URL(${wasm}) })`],
    ['a path, relative to the working directory', "sc.init({ url: 'node_modules/simdconv/dist/simdconv.wasm' })"],
    ['a compiled module', `sc.init({ module: await WebAssembly.compile(await readFile(new URL(${wasm}))) })`],
  ])('%s', async (_name, call) => {
    const o = await runIn(r, {
      code: `import * as sc from 'simdconv'; import { readFile } from 'node:fs/promises';
        export default async () => { await ${call}; return ${CORR}; };`,
    });
    expect(o.error?.stack).toBeUndefined();
    expect(o.value).toEqual([[19, 25], [37, 43]]);
  });
});

/** Makes the runtime look SIMD-less, and records any attempt to compile or instantiate. */
const NO_SIMD = `
  const reached = [];
  const validate = WebAssembly.validate;
  WebAssembly.validate = (b) => {
    const u = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
    return u.includes(0xfd) ? false : validate(b); // 0xfd: the SIMD opcode prefix
  };
  for (const k of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
    WebAssembly[k] = async () => {
      reached.push(k);
      throw new WebAssembly.CompileError('Compiling function #0 failed: invalid simd opcode 0xfd (simulated)');
    };
  }`;

describe.each(['node', 'deno', 'bun', 'workerd'] as Runtime[])('%s without WebAssembly SIMD', (r) => {
  it('init rejects with one UnsupportedRuntimeError saying so, before compiling anything', async () => {
    const o = await runIn(r, {
      code: `import * as sc from 'simdconv';
        export default async () => {
          ${NO_SIMD}
          const errors = [];
          for (let i = 0; i < 2; i++) {
            try { await sc.init(); } catch (e) {
              errors.push({ name: e.name, message: e.message, unsupported: e instanceof sc.UnsupportedRuntimeError,
                simdconv: e instanceof sc.SimdconvError, compileError: e instanceof WebAssembly.CompileError });
            }
          }
          let op = null;
          try { sc.zeros([2]); } catch (e) { op = e.name; }
          return { errors, reached, op };
        };`,
    });
    expect(o.error?.stack).toBeUndefined();
    const v = o.value as { errors: Record<string, unknown>[]; reached: string[]; op: string };
    expect(v.errors).toHaveLength(2); // each init call rejects (no half-initialised state)...
    expect(v.errors[1]).toEqual(v.errors[0]); // ...with the same error
    expect(v.errors[0]).toMatchObject({ name: 'UnsupportedRuntimeError', unsupported: true, simdconv: true, compileError: false });
    expect(v.errors[0]!.message).toMatch(/^init: .*WebAssembly runtime with SIMD.*, got a runtime whose WebAssembly has no SIMD$/);
    expect(v.reached).toEqual([]);
    expect(v.op).toBe('NotInitializedError');
  });
});

describe('workerd: a module from bytes or a URL', () => {
  it.each([
    ['bytes', "sc.init({ bytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) })"],
  ])('init({ %s }) rejects with one UnsupportedRuntimeError saying to import the .wasm', async (_name, call) => {
    const o = await runIn('workerd', {
      code: `import * as sc from 'simdconv';
        export default async () => {
          try { await ${call}; return 'initialised'; }
          catch (e) { return { name: e.name, message: e.message, unsupported: e instanceof sc.UnsupportedRuntimeError }; }
        };`,
    });
    expect(o.value).toMatchObject({ name: 'UnsupportedRuntimeError', unsupported: true });
    expect((o.value as { message: string }).message).toMatch(/Workers cannot compile WebAssembly at run time, so import it .*disallowed by embedder/);
  });
});
