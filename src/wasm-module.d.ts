// `import wasm from './x.wasm'` in the Workers entry: Workers bundlers (CompiledWasm modules)
// give a compiled WebAssembly.Module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
