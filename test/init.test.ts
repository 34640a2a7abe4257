// Loading: ops before init fail clearly; init accepts a module, bytes, a URL or a path; it is
// idempotent. (This file runs in its own process, so it sees simdconv before any init.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';

const wasmUrl = new URL('../dist/simdconv.wasm', import.meta.url);

describe('init', () => {
  it('an op before init throws NotInitializedError naming the op', () => {
    expect(() => sc.zeros([2])).toThrow(sc.NotInitializedError);
    expect(() => sc.tensor([1, 2])).toThrow(/tensor: simdconv is not initialised: call `await init\(\)`/);
  });

  it('rejects bad options with ArgumentError and bad bytes with UnsupportedRuntimeError', async () => {
    await expect(sc.init({ module: 42 as unknown as WebAssembly.Module })).rejects.toThrow(sc.ArgumentError);
    await expect(sc.init({ bytes: 'nope' as unknown as BufferSource })).rejects.toThrow(sc.ArgumentError);
    await expect(sc.init({ bytes: new Uint8Array([1, 2, 3]) })).rejects.toThrow(sc.UnsupportedRuntimeError);
    await expect(sc.init({ url: new URL('./no-such.wasm', wasmUrl) })).rejects.toThrow(sc.UnsupportedRuntimeError);
    await expect(sc.init({ bytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) })).rejects.toThrow(/exporting/);
  });

  it('rejects unknown option keys (a typo is not ignored)', async () => {
    await expect(sc.init({ thread: 2 } as never)).rejects.toThrow(sc.ArgumentError);
    await expect(sc.init({ thread: 2 } as never)).rejects.toThrow(/unknown option 'thread'/);
  });

  it('loads from a precompiled module; later calls with the same source or none share it, another source is refused', async () => {
    const module = new WebAssembly.Module(readFileSync(wasmUrl));
    await Promise.all([sc.init({ module }), sc.init({ module }), sc.init()]);
    await sc.init();
    await sc.init({ module });
    await expect(sc.init({ bytes: new Uint8Array([1]) })).rejects.toThrow(sc.ArgumentError);
    await expect(sc.init({ module: new WebAssembly.Module(readFileSync(wasmUrl)) })).rejects.toThrow(/already initialised from another module source/);
    await expect(sc.init({ threads: 0 })).rejects.toThrow(sc.ArgumentError); // a later threads value is checked
    await sc.init({ threads: 2 }); // ... and applied, as setThreads does (one thread where threads are unavailable)
    expect(sc.capabilities().threads).toBe(sc.capabilities().threadsAvailable ? 2 : 1);
    expect(await sc.setThreads(1)).toBe(1);
    expect(sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()).toEqual([[19, 25], [37, 43]]);
  });
});
