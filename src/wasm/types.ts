// Types of the WebAssembly objects in public signatures (and in the declarations they import),
// written so the shipped .d.ts compile in every consumer project: with the DOM lib, or in a plain
// Node project (`lib: ["es2023"]`, `@types/node`) whose compiler may not know `WebAssembly` or
// `BufferSource`. Where the global `WebAssembly` is declared they are its own types.

/**
 * A compiled `WebAssembly.Module` (the type is `WebAssembly.Module` where the compiler knows it,
 * e.g. with the DOM lib; `object` in a project without it). `init` checks it at run time.
 * @example
 * const module: sc.WasmModule = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
 * module instanceof WebAssembly.Module   // => true
 */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : object;

/** A `WebAssembly.Memory` (structurally its `buffer` where the compiler does not know the type). */
export type WasmMemory = typeof globalThis extends { WebAssembly: { Memory: { prototype: infer M } } } ? M
  : { readonly buffer: ArrayBuffer | SharedArrayBuffer };

/**
 * Module bytes for `init({ bytes })`: an ArrayBuffer or a view of one (a Uint8Array, a Node Buffer).
 * @example
 * const bytes: sc.WasmBytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);   // the smallest module
 * WebAssembly.validate(bytes as Uint8Array)   // => true
 */
export type WasmBytes = ArrayBuffer | ArrayBufferView;
