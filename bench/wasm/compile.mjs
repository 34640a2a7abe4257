// Compiles AssemblyScript files of bench/wasm/ with the repo's compiler (assemblyscript/asc):
//   node bench/wasm/compile.mjs OUTDIR SOURCE.as:FEATURE[,FEATURE...] [SOURCE.as:FEATURES ...]
// Each SOURCE.as becomes OUTDIR/SOURCE.wasm: -O3, no asserts, stub runtime, memory exported.
// Run with plain node by bench/peak.ts: under tsx the compiler's multi-megabyte JavaScript would
// be transformed first, which takes many seconds.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import asc from 'assemblyscript/asc';

const [outDir, ...jobs] = process.argv.slice(2);
if (!outDir || jobs.length === 0 || jobs.some((j) => !j.includes(':'))) {
  console.error('usage: node bench/wasm/compile.mjs OUTDIR SOURCE.as:FEATURE[,FEATURE...] [...]');
  process.exit(2);
}
for (const job of jobs) {
  const source = job.slice(0, job.lastIndexOf(':'));
  const features = job.slice(job.lastIndexOf(':') + 1);
  const base = path.basename(source).replace(/\.as$/, '');
  const r = await asc.compileString({ [`${base}.ts`]: readFileSync(source, 'utf8') }, {
    optimizeLevel: 3, shrinkLevel: 0, noAssert: true, runtime: 'stub', enable: features.split(','), initialMemory: 1,
  });
  if (r.error || !r.binary) {
    console.error(`asc ${source}: ${r.error?.message ?? 'no binary'}\n${r.stderr.toString()}`);
    process.exit(1);
  }
  writeFileSync(path.join(outDir, `${base}.wasm`), r.binary);
}
