// A fixed set of simdconv computations whose float32 outputs are hashed, to show the same inputs
// give bitwise the same outputs everywhere: every conv path (forward, dX, dW), training steps of
// nn.Conv2d with SGD and with Adam, seeded rand/randn, reductions, elementwise ops (exp, log, pow
// included), matmul / im2col / toeplitz.
//
// Portable on purpose: it uses only the public API it is given and plain JavaScript (no node:
// imports, no globals beyond the language), so the same file runs in Node, Deno, Bun, workerd and
// Chromium (test/determinism/runtimes.test.ts) and under other thread counts and kernel variants
// (test/determinism/determinism.test.ts). Expected hashes: test/determinism/expected.json, a LOCK
// (hashes this code produced; the oracles behind them are listed in determinism.test.ts).
//
// Hash: FNV-1a over the bytes of the shape (as text) and of the float32 data (little-endian, as
// WebAssembly memory is), two 32-bit lanes with different offset bases -> 16 hex digits.
type Simdconv = typeof import('simdconv');
type Tensor = InstanceType<Simdconv['Tensor']>;

/** FNV-1a of `bytes`, two 32-bit lanes (offset bases 2166136261 and 3735928559), as 16 hex digits. */
export function fnv1a(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5, h2 = 0xdeadbeef;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i]!, 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i]!, 0x01000193);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** The hash of a float32 array with its shape. */
export function hashFloats(shape: readonly number[], data: Float32Array): string {
  const head = new TextEncoder().encode(`[${shape.join(',')}]`);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return fnv1a(all);
}

/**
 * Runs every case and returns `{ case name: hash }`. Needs `await sc.init()` done. Frees what it
 * makes. Takes well under a second.
 */
export async function determinismHashes(sc: Simdconv): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const put = (name: string, ...ts: (Tensor | number[])[]): void => {
    out[name] = ts.map((t) => (Array.isArray(t) ? hashFloats([t.length], Float32Array.from(t)) : hashFloats(t.shape, t.data()))).join(':');
  };
  const rnd = (shape: number[], seed: number) => sc.randn(shape, { seed });

  sc.tidy(() => {
    // ---- random numbers ------------------------------------------------------------------------
    put('randn seed 1', sc.randn([1001], { seed: 1 }));
    put('randn mean 2 std 3', sc.randn([7, 13], { seed: 2, mean: 2, std: 3 }));
    put('rand seed 3 [-3, 5)', sc.rand([777], { seed: 3, low: -3, high: 5 }));
    sc.manualSeed(42);
    put('manualSeed 42, then randn and rand', sc.randn([65]), sc.rand([33]));

    // ---- elementwise ---------------------------------------------------------------------------
    const a = rnd([257], 10), b = rnd([257], 11), pos = a.abs().add(0.1);
    put('add sub mul div', a.add(b), a.sub(b), a.mul(b), a.div(b.abs().add(0.5)));
    put('exp log sqrt', a.exp(), pos.log(), pos.sqrt());
    put('pow tensor^tensor, tensor^1.7, 2^tensor, tensor^0.5, tensor^3', pos.pow(b), pos.pow(1.7), sc.pow(2, a), pos.pow(0.5), a.pow(3));
    put('maximum minimum relu sign neg abs square', sc.maximum(a, b), sc.minimum(a, 0.25), a.relu(), sc.sign(a), a.neg(), a.abs(), a.square());
    put('broadcast [17, 1] + [1, 19], [3, 1, 5] * [4, 1]', rnd([17, 1], 12).add(rnd([1, 19], 13)), rnd([3, 1, 5], 14).mul(rnd([4, 1], 15)));

    // ---- reductions ----------------------------------------------------------------------------
    const big = rnd([10007], 20), m = rnd([64, 33], 21), c = rnd([7, 8, 9], 22);
    put('sum and mean of 10007', big.sum(), big.mean());
    put('sum axis 0, mean axis 1, sum axes [0, 2], keepDims', m.sum(0), m.mean(1), c.sum([0, 2]), c.mean(1, true));
    put('max and min, all and along axes', c.max(), c.min(), c.max(2), m.min(0));

    // ---- shape ops -----------------------------------------------------------------------------
    put('transpose flip slice', c.transpose([2, 0, 1]), c.flip([0, 2]), c.slice([[1, 6, 2], null, [-5, null]]));
  });

  // ---- convolution paths: forward, dX, dW ---------------------------------------------------------
  const paths: [string, number[], number[], Record<string, unknown>][] = [
    ['direct single-channel', [2, 1, 21, 23], [1, 1, 3, 3], {}],
    ['direct single-channel, padded, bias', [1, 1, 16, 19], [1, 1, 5, 2], { padding: 2, bias: true }],
    ['direct depthwise, same', [2, 6, 14, 15], [6, 1, 3, 3], { groups: 6, padding: 'same' }],
    ['im2col+gemm NCHW', [2, 8, 12, 13], [16, 8, 3, 3], { padding: 1, bias: true }],
    ['im2col+gemm NCHW grouped, asymmetric padding', [2, 8, 11, 12], [12, 4, 2, 3], { groups: 2, padding: [[1, 0], [2, 1]] }],
    ['pointwise 1x1', [2, 16, 9, 9], [24, 16, 1, 1], { bias: true }],
    ['strided, dilated', [2, 5, 17, 18], [7, 5, 3, 3], { stride: [2, 3], dilation: [2, 1], padding: 2 }],
    ['mode convolution', [2, 4, 10, 11], [5, 4, 3, 2], { mode: 'convolution', padding: 1 }],
    ['NHWC', [2, 12, 13, 8], [16, 8, 3, 3], { layout: 'NHWC', padding: 1, bias: true }],
    ['NHWC depthwise, strided', [2, 13, 12, 6], [6, 1, 3, 3], { layout: 'NHWC', groups: 6, stride: 2, padding: 1 }],
    ['NHWC convolution, dilated, same', [1, 16, 16, 4], [6, 4, 3, 3], { layout: 'NHWC', mode: 'convolution', dilation: 2, padding: 'same' }],
    ['unbatched 3-D', [3, 20, 21], [4, 3, 3, 3], {}],
    // Large enough (> 4.5 MFLOP) for a thread pool to split them (test/determinism/threads-case.ts).
    ['large im2col+gemm NCHW', [2, 16, 24, 24], [32, 16, 3, 3], { padding: 1, bias: true }],
    ['large NHWC', [2, 24, 24, 16], [32, 16, 3, 3], { layout: 'NHWC', padding: 1 }],
    ['large direct depthwise', [4, 4, 160, 160], [4, 1, 3, 3], { groups: 4, padding: 1 }],
  ];
  paths.forEach(([name, xShape, wShape, o], i) => {
    sc.tidy(() => {
      const { bias, ...geometry } = o;
      const x = rnd(xShape, 100 + i), w = rnd(wShape, 200 + i);
      const y = sc.conv2d(x, w, { ...geometry, bias: bias ? rnd([wShape[0]!], 300 + i) : undefined } as never);
      const dy = rnd(y.shape as number[], 400 + i);
      put(`conv2d ${name}`, y, sc.conv2dGradInput(dy, w, xShape, geometry as never), sc.conv2dGradWeight(x, dy, wShape, geometry as never));
    });
  });

  sc.tidy(() => {
    // corr2d / convolve2d and their gradients (autograd: the direct dX kernel)
    const X = sc.variable(rnd([31, 37], 500)), Kk = sc.variable(rnd([3, 4], 501));
    const y = sc.corr2d(X, Kk), z = sc.convolve2d(X, Kk);
    y.mul(rnd(y.shape as number[], 502)).sum().add(z.square().mean()).backward();
    put('corr2d, convolve2d, dX, dK', y, z, X.grad!, Kk.grad!);

    // convolution as matrix multiplication
    const x = rnd([2, 3, 9, 10], 510);
    put('im2col NCHW and NHWC', sc.im2col(x, [3, 2], { stride: 2, padding: 1 }), sc.im2col(rnd([2, 9, 10, 3], 511), 3, { layout: 'NHWC', dilation: 2 }));
    put('toeplitz', sc.toeplitz(rnd([3, 3], 512), [7, 8], { padding: 1 }));
    put('matmul 2-D, batched, vector', sc.matmul(rnd([37, 29], 513), rnd([29, 41], 514)), sc.matmul(rnd([3, 5, 7], 515), rnd([7, 6], 516)), sc.matmul(rnd([9, 7], 517), rnd([7], 518)));
  });

  // ---- training: nn.Conv2d + mseLoss + SGD (momentum) / Adam, 5 steps each --------------------------
  for (const [name, makeOpt] of [
    ['SGD momentum nesterov, weight decay', (m: InstanceType<Simdconv['nn']['Conv2d']>) => new sc.optim.SGD(m, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['Adam', (m: InstanceType<Simdconv['nn']['Conv2d']>) => new sc.optim.Adam(m, { lr: 0.01 })],
    ['AdamW', (m: InstanceType<Simdconv['nn']['Conv2d']>) => new sc.optim.Adam(m, { lr: 0.01, weightDecay: 0.1, decoupled: true })],
  ] as const) {
    const layer = new sc.nn.Conv2d({ outChannels: 6, kernelSize: 3, padding: 1, seed: 7 });
    const x = rnd([4, 3, 12, 12], 600), target = rnd([4, 6, 12, 12], 601);
    const opt = makeOpt(layer);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      const loss = sc.tidy(() => sc.nn.mseLoss(layer.forward(x), target));
      loss.backward();
      opt.step();
      losses.push(loss.item());
      loss.dispose();
    }
    put(`train nn.Conv2d ${name}: losses, weight, bias`, losses, layer.weight!, layer.bias!);
    opt.dispose();
    layer.dispose();
    x.dispose();
    target.dispose();
  }

  // The lesson: learn [[1, -1]] from the edge image (SGD lr 3e-2, 10 epochs, seed 0).
  sc.tidy(() => {
    const X = sc.ones([6, 8]);
    X.set([null, [2, 6]], 0);
    const Y = sc.corr2d(X, sc.tensor([[1, -1]]));
    const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
    const opt = new sc.optim.SGD(conv, { lr: 3e-2 });
    const { losses } = sc.fitSync({ optimizer: opt, epochs: 10, loss: () => sc.nn.mseLoss(conv.forward(X.reshape([1, 1, 6, 8])), Y.reshape([1, 1, 6, 7]), { reduction: 'sum' }) });
    put('lesson training (10 epochs)', losses, conv.weight!);
    opt.dispose();
    conv.dispose();
  });

  return out;
}
