// The layers bench/threads.mjs and bench/threads-ab.mjs time on one and two threads: the harness
// layers f and g and a 128-channel layer (NCHW, 3x3, valid), forward, dX and dW writing into
// reused outs.
export const SHAPES = {
  f: { N: 1, C: 64, H: 56, W: 56, CO: 64 },
  g: { N: 16, C: 32, H: 32, W: 32, CO: 32 },
  c128: { N: 1, C: 128, H: 28, W: 28, CO: 128 },
};

/** The three calls of layer `s` on simdconv module `sc` (initialised), as { fwd, dX, dW }. */
export function layerOps(sc, s) {
  const x = sc.rand([s.N, s.C, s.H, s.W], { seed: 1 }), w = sc.rand([s.CO, s.C, 3, 3], { seed: 2 });
  const HO = s.H - 2, WO = s.W - 2;
  const dy = sc.rand([s.N, s.CO, HO, WO], { seed: 3 });
  const outY = sc.zeros([s.N, s.CO, HO, WO]), outX = sc.zeros([s.N, s.C, s.H, s.W]), outW = sc.zeros([s.CO, s.C, 3, 3]);
  return {
    fwd: () => sc.conv2d(x, w, { out: outY }),
    dX: () => sc.conv2dGradInput(dy, w, [s.N, s.C, s.H, s.W], { out: outX }),
    dW: () => sc.conv2dGradWeight(x, dy, [s.CO, s.C, 3, 3], { out: outW }),
  };
}
