// The declaration of dist/wasm/simdconv-base64.js, which scripts/inline-wasm.mjs generates from
// dist/simdconv.wasm after the TypeScript build (scripts/build.mjs).
/** dist/simdconv.wasm (the single-thread build), gzip-compressed, base64. */
export declare const simdconvWasmGzipBase64: string;
