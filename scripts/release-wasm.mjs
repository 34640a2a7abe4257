// Writes the release kernel modules dist/simdconv.wasm and dist/simdconv-mt.wasm from the test
// builds (build/simdconv-test.wasm, build/simdconv-mt-test.wasm; asconfig.json targets `test`
// and `test-threads`): the same module without the `*_f32_scalar` twins, which are test oracles
// only. Their exports are removed and the functions nothing reaches any more are dropped
// (binaryen's remove-unused-module-elements); no other pass runs, so every SIMD kernel that ships
// is the code the tests ran. Run by `npm run build:wasm` after asc.
//
// Size: asc's shrinkLevel must stay 0. It also selects AssemblyScript's Mathf algorithms
// (ASC_SHRINK_LEVEL: lookup-table exp, log and pow at 0, table-free ones above; their tables are
// the ~1 KB data section), so raising it would change the results of exp, log, pow, log-softmax,
// cross-entropy and randn, not only the size.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import binaryen from 'assemblyscript/binaryen';

const SCALAR_TWIN = /_f32_scalar$/;

const PAIRS = [
  ['build/simdconv-test.wasm', 'dist/simdconv.wasm'],
  ['build/simdconv-mt-test.wasm', 'dist/simdconv-mt.wasm'],
];

const root = new URL('..', import.meta.url);
mkdirSync(new URL('dist/', root), { recursive: true });
for (const [from, to] of PAIRS) {
  const module = binaryen.readBinary(readFileSync(new URL(from, root)));
  try {
    module.setFeatures(binaryen.Features.All);
    const exports = [];
    for (let i = 0; i < module.getNumExports(); i++) exports.push(binaryen.getExportInfo(module.getExportByIndex(i)).name);
    const twins = exports.filter((name) => SCALAR_TWIN.test(name));
    if (twins.length === 0) throw new Error(`${from} exports no scalar twin: not a test build`);
    for (const name of twins) module.removeExport(name);
    module.runPasses(['remove-unused-module-elements']);
    if (!module.validate()) throw new Error(`${to}: the stripped module does not validate`);
    const bytes = module.emitBinary();
    writeFileSync(new URL(to, root), bytes);
    console.log(`${to}: ${bytes.length} bytes (${from} without ${twins.length} scalar twins)`);
  } finally {
    module.dispose();
  }
}
