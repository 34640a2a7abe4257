// Where the harness's c3 forward call goes: the kernel alone (conv2d into a reused out), the
// readback alone (out.data(buf) into a reused Float32Array), both (the harness's call), and a plain
// Float32Array.set of the same size, interleaved in one process (15 rounds of 50 calls each,
// medians), with the GFLOP/s of the kernel (direct-convolution FLOPs). Needs a built dist/.
//   node --no-wasm-dynamic-tiering bench/c3-split.mjs [H W]   (default 1024 1024, kernel 3x3)
const sc = await import('../dist/index.js');
await sc.init();
const H = Number(process.argv[2] ?? 1024), W = Number(process.argv[3] ?? H);
const x = sc.tensor(new Float32Array(H * W).map(() => Math.random() - 0.5), [1, 1, H, W]);
const w = sc.tensor(new Float32Array(9).map(() => Math.random() - 0.5), [1, 1, 3, 3]);
const out = sc.conv2d(x, w);
const buf = new Float32Array(out.size), src = new Float32Array(out.size);
const calls = {
  kernel: () => sc.conv2d(x, w, { out }),
  readback: () => out.data(buf),
  both: () => { sc.conv2d(x, w, { out }); out.data(buf); },
  'Float32Array.set': () => buf.set(src),
};
const times = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
for (let r = 0; r < 15; r++) {
  for (const [k, f] of Object.entries(calls)) {
    for (let i = 0; i < 5; i++) f();
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) f();
    times[k].push(((performance.now() - t0) / 50) * 1000);
  }
}
const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const flops = 2 * 9 * (H - 2) * (W - 2);
console.log(`${H}x${W} * 3x3: ` + Object.entries(times).map(([k, a]) => `${k} ${med(a).toFixed(1)} us`).join(', ') +
  `; kernel ${(flops / med(times.kernel) / 1e3).toFixed(1)} GFLOP/s`);
process.exit(0);
