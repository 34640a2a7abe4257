// One thread against two on the harness layers f and g and a 128-channel 28x28 layer (forward,
// dX, dW; NCHW, 3x3, valid), alternating in one process (await sc.setThreads(n) between samples,
// each sample ~150 ms of calls writing into a reused out). Prints the speed-up by median and by
// best time. Needs a built dist/.   node bench/threads.mjs [rounds, default 15]
import { SHAPES, layerOps } from './thread-layers.mjs';

const sc = await import('../dist/index.js');
await sc.init({ threads: 2 });
const ROUNDS = Number(process.argv[2] ?? 15);
const res = {};
for (const [id, s] of Object.entries(SHAPES)) {
  const ops = layerOps(sc, s);
  for (const [d, f] of Object.entries(ops)) {
    const t = { 1: [], 2: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of r % 2 ? [1, 2] : [2, 1]) {
        await sc.setThreads(n);
        f(); f();
        const t0 = performance.now(); let k = 0;
        while (performance.now() - t0 < 150) { f(); k++; }
        t[n].push((performance.now() - t0) / k);
      }
    }
    const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1], min = (a) => Math.min(...a);
    res[`${id} ${d}`] = `median ${(med(t[1]) / med(t[2])).toFixed(2)}x, best ${(min(t[1]) / min(t[2])).toFixed(2)}x`;
    console.log(id, d, res[`${id} ${d}`]);
  }
}
process.exit(0);
