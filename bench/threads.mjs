// One thread against two on the harness layers f and g and a 128-channel 28x28 layer (forward,
// dX, dW; NCHW, 3x3, valid), alternating in one process (await sc.setThreads(n) between samples,
// each sample ~150 ms of calls writing into a reused out). Prints the speed-up by median and by
// best time. Needs a built dist/.   node bench/threads.mjs [rounds, default 15]
const sc = await import('../dist/index.js');
await sc.init({ threads: 2 });
const shapes = {
  f: { N: 1, C: 64, H: 56, W: 56, CO: 64 },
  g: { N: 16, C: 32, H: 32, W: 32, CO: 32 },
  c128: { N: 1, C: 128, H: 28, W: 28, CO: 128 },
};
const ROUNDS = Number(process.argv[2] ?? 15);
const res = {};
for (const [id, s] of Object.entries(shapes)) {
  const x = sc.rand([s.N, s.C, s.H, s.W], { seed: 1 }), w = sc.rand([s.CO, s.C, 3, 3], { seed: 2 });
  const HO = s.H - 2, WO = s.W - 2;
  const dy = sc.rand([s.N, s.CO, HO, WO], { seed: 3 });
  const outY = sc.zeros([s.N, s.CO, HO, WO]), outX = sc.zeros([s.N, s.C, s.H, s.W]), outW = sc.zeros([s.CO, s.C, 3, 3]);
  const ops = {
    fwd: () => sc.conv2d(x, w, { out: outY }),
    dX: () => sc.conv2dGradInput(dy, w, [s.N, s.C, s.H, s.W], { out: outX }),
    dW: () => sc.conv2dGradWeight(x, dy, [s.CO, s.C, 3, 3], { out: outW }),
  };
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
