// Interleaved A/B of two builds' one-thread and two-thread times, in one process: the dist/
// directories A and B (e.g. a worktree of an older commit, built) on the harness layers f and g
// and a 128-channel layer. Prints each build's 1->2 thread speed-up and B's time over A's.
//   node bench/threads-ab.mjs <distA> <distB> [rounds, default 9] [shapes, e.g. f,c128]
const [A, B] = process.argv.slice(2, 4).map((d) => new URL(d.endsWith("/") ? d : d + "/", `file://${process.cwd()}/`).href.replace(/\/$/, ""));
const ROUNDS = Number(process.argv[4] ?? 9);
const only = process.argv[5]?.split(',');
const libs = { A: await import(A + '/index.js'), B: await import(B + '/index.js') };
for (const sc of Object.values(libs)) await sc.init({ threads: 2 });
const shapes = {
  f: { N: 1, C: 64, H: 56, W: 56, CO: 64 },
  g: { N: 16, C: 32, H: 32, W: 32, CO: 32 },
  c128: { N: 1, C: 128, H: 28, W: 28, CO: 128 },
};
for (const [id, s] of Object.entries(shapes)) {
  if (only && !only.includes(id)) continue;
  const ops = {};
  for (const [n, sc] of Object.entries(libs)) {
    const x = sc.rand([s.N, s.C, s.H, s.W], { seed: 1 }), w = sc.rand([s.CO, s.C, 3, 3], { seed: 2 });
    const HO = s.H - 2, WO = s.W - 2;
    const dy = sc.rand([s.N, s.CO, HO, WO], { seed: 3 });
    const outY = sc.zeros([s.N, s.CO, HO, WO]), outX = sc.zeros([s.N, s.C, s.H, s.W]), outW = sc.zeros([s.CO, s.C, 3, 3]);
    ops[n] = {
      fwd: () => sc.conv2d(x, w, { out: outY }),
      dX: () => sc.conv2dGradInput(dy, w, [s.N, s.C, s.H, s.W], { out: outX }),
      dW: () => sc.conv2dGradWeight(x, dy, [s.CO, s.C, 3, 3], { out: outW }),
    };
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
