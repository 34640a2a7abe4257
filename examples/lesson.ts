// "Convolutions for Images", cell by cell, on simdconv. `npm start` runs this file.
import * as sc from 'simdconv';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toPNG, type ImageOptions } from 'simdconv/image';

await sc.init();

const cell = (title: string) => console.log(`\n## ${title}`);

cell('The cross-correlation operation');
{
  const X = sc.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]);
  const K = sc.tensor([[0.0, 1.0], [2.0, 3.0]]);
  console.log('corr2d(X, K)');
  console.log(sc.corr2d(X, K).toString());
}

cell('Object edge detection in images');
const X = sc.ones([6, 8]);
X.set([null, [2, 6]], 0); // X[:, 2:6] = 0
console.log('X');
console.log(X.toString());

const K = sc.tensor([[1.0, -1.0]]);
console.log('K');
console.log(K.toString());

const Y = sc.corr2d(X, K);
console.log('Y = corr2d(X, K): 1 for the edge from white to black, -1 from black to white');
console.log(Y.toString());

console.log('corr2d(X.T, K): the kernel only detects vertical edges');
console.log(sc.corr2d(X.T, K).toString());

cell('Cross-correlation and convolution');
{
  // Strict convolution is cross-correlation with the kernel flipped both ways.
  const Kf = K.flip();
  console.log('convolve2d(X, K) equals corr2d(X, K.flip()):');
  console.log(sc.convolve2d(X, K).toString());
  console.log(sc.corr2d(X, Kf).toString());
}

cell('The same edge detector as a batched conv2d (NCHW and NHWC)');
{
  const x4 = X.reshape([1, 1, 6, 8]);
  const w4 = K.reshape([1, 1, 1, 2]);
  console.log('conv2d(X as [1,1,6,8], K as [1,1,1,2]).shape =', JSON.stringify(sc.conv2d(x4, w4).shape));
  const xh = X.reshape([1, 6, 8, 1]);
  const yh = sc.conv2d(xh, w4, { layout: 'NHWC' });
  console.log("conv2d(X as [1,6,8,1], K, { layout: 'NHWC' }).shape =", JSON.stringify(yh.shape));
}

let learned: sc.Tensor | undefined; // the learned kernel, drawn at the end
cell('Learning a kernel');
{
  // A convolution layer with 1 output channel and a (1, 2) kernel, no bias; its input channels
  // are taken from the first input (like PyTorch's LazyConv2d). Seeded, so the run is reproducible.
  const conv2d = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
  // Batch, channel, height, width: both 1 here.
  const X4 = X.reshape([1, 1, 6, 8]);
  const Y4 = Y.reshape([1, 1, 6, 7]);
  const lr = 3e-2; // learning rate
  const opt = new sc.optim.SGD(conv2d, { lr }); // w -= lr * w.grad

  // One training step: loss, gradient, update. sc.compile runs it as written the first time and
  // records its kernel calls; every later call replays only those (bitwise the same results,
  // without rebuilding tensors or the autograd graph): the step returns the same loss tensor,
  // refilled.
  const step = sc.compile(() => {
    const l = sc.tidy(() => sc.nn.squaredError(conv2d.forward(X4), Y4).sum());
    conv2d.zeroGrad();
    l.backward();
    opt.step();
    return l;
  });
  for (let i = 0; i < 10; i++) {
    const l = step();
    if ((i + 1) % 2 === 0) console.log(`epoch ${i + 1}, loss ${l.item().toFixed(3)}`);
  }
  step.dispose(); // frees the loss tensor and the memory the replays used
  console.log('the learned kernel, close to [1, -1]:');
  learned = conv2d.weight!.detach().reshape([1, 2]);
  console.log(learned.toString());
}

cell('The custom Conv2D layer (corr2d + bias): its gradient just works');
{
  class Conv2D extends sc.nn.Module {
    readonly weight: sc.Tensor;
    readonly bias: sc.Tensor;
    constructor(kernelSize: [number, number], seed: number) {
      super();
      this.weight = sc.rand(kernelSize, { seed }); // torch.rand(kernel_size)
      this.bias = sc.zeros([1]);
      this.registerParameter('weight', this.weight);
      this.registerParameter('bias', this.bias);
    }
    forward(x: sc.Tensor): sc.Tensor {
      return sc.corr2d(x, this.weight).add(this.bias);
    }
  }
  const layer = new Conv2D([1, 2], 0);
  // The bias's gradient sums all 42 residuals (its curvature is 2·42 = 84), so the lesson's lr of
  // 3e-2 would overshoot (3e-2 · 84 > 2) and diverge, in PyTorch as here: use 1e-2.
  const opt = new sc.optim.SGD(layer, { lr: 1e-2 });
  const { losses } = sc.fitSync({
    optimizer: opt,
    epochs: 20,
    loss: () => sc.nn.squaredError(layer.forward(X), Y).sum(),
    onEpoch: ({ epoch, loss }) => {
      if (epoch % 4 === 0) console.log(`epoch ${epoch}, loss ${loss.toFixed(3)}`);
    },
  });
  console.log(`loss went from ${losses[0]!.toFixed(3)} to ${losses[losses.length - 1]!.toFixed(3)}`);
  console.log('weight:', layer.weight.detach().toString(), 'bias:', layer.bias.detach().toString());
}

cell('Pictures (plt.imshow in the lesson; simdconv/image here)');
{
  const dir = resolve('lesson-pictures');
  mkdirSync(dir, { recursive: true });
  const save = (name: string, t: sc.Tensor, options: ImageOptions, what: string) => {
    writeFileSync(resolve(dir, name), toPNG(t, options));
    console.log(`${name.padEnd(18)} ${what} (${t.shape.join('x')})`);
  };
  // Gray: 0 black, 1 white. Feature maps: bwr with 0 in the middle: +1 red, 0 white, -1 blue.
  save('X.png', X, { colormap: 'gray', scale: 32 }, 'the input image X');
  save('Y.png', Y, { colormap: 'bwr', scale: 32 }, 'its feature map corr2d(X, K)');
  save('XT.png', X.T, { colormap: 'gray', scale: 32 }, 'the transposed image X.T');
  save('YT.png', sc.corr2d(X.T, K), { colormap: 'bwr', scale: 32 }, 'corr2d(X.T, K): all white, no vertical edges');
  // The true and the learned kernel on one colour scale, so they can be compared.
  const m = Math.max(...K.abs().data(), ...learned!.abs().data());
  save('kernel-true.png', K, { colormap: 'bwr', normalize: [-m, m], scale: 64 }, 'the true kernel K');
  save('kernel-learned.png', learned!, { colormap: 'bwr', normalize: [-m, m], scale: 64 }, 'the learned kernel');
  console.log(`pictures written to ${dir}`);
}
