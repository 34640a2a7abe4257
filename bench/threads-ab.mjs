// Interleaved A/B of two builds' one-thread and two-thread times, in one process: the dist/
// directories A and B (e.g. a worktree of an older commit, built) on the harness layers f and g
// and a 128-channel layer. Prints each build's 1->2 thread speed-up and B's time over A's.
//   node bench/threads-ab.mjs <distA> <distB> [rounds, default 9] [shapes, e.g. f,c128]
import { SHAPES, layerOps } from './thread-layers.mjs';

const [A, B] = process.argv.slice(2, 4).map((d) => new URL(d.endsWith("/") ? d : d + "/", `file://${process.cwd()}/`).href.replace(/\/$/, ""));
const ROUNDS = Number(process.argv[4] ?? 9);
const only = process.argv[5]?.split(',');
const libs = { A: await import(A + '/index.js'), B: await import(B + '/index.js') };
for (const sc of Object.values(libs)) await sc.init({ threads: 2 });
for (const [id, s] of Object.entries(SHAPES)) {
  if (only && !only.includes(id)) continue;
  const ops = {};
  for (const [n, sc] of Object.entries(libs)) {
    ops[n] = layerOps(sc, s);
  }
  for (const d of ['fwd', 'dX', 'dW']) {
    const t = { A1: [], A2: [], B1: [], B2: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ['A1', 'B2', 'B1', 'A2'] : ['B2', 'A1', 'A2', 'B1'];
      for (const k of order) {
        const n = k[0], th = Number(k[1]);
        await libs[n].setThreads(th);
        const f = ops[n][d];
        f(); f();
        const t0 = performance.now(); let c = 0;
        while (performance.now() - t0 < 100) { f(); c++; }
        t[k].push((performance.now() - t0) / c);
      }
    }
    const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, med(v)]));
    console.log(`${id} ${d}: A 2t speed-up ${(m.A1 / m.A2).toFixed(2)}x  B ${(m.B1 / m.B2).toFixed(2)}x   B2/A2 time ${(m.B2 / m.A2).toFixed(3)}  B1/A1 ${(m.B1 / m.A1).toFixed(3)}  (A1 ${m.A1.toFixed(2)} ms)`);
  }
}
process.exit(0);
