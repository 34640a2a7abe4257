// The declaration of dist/wasm/simdconv-base64.js, which scripts/inline-wasm.mjs generates from
// dist/simdconv.wasm after the TypeScript build (scripts/build.mjs).
/** dist/simdconv.wasm (the single-thread build), base64. */
export declare const simdconvWasmBase64: string;
