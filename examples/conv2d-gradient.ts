// Exercise 2: the gradient of the custom Conv2D layer (corr2d + scalar bias). In the lesson's
// TensorFlow version this fails ("No gradients provided for any variable"): corr2d writes into a
// tf.Variable element by element, which the tape cannot differentiate. Here corr2d is an op with a
// backward rule, so autograd goes through it. The gradients are checked against central finite
// differences of the loss. `npm run examples` runs this.
import * as sc from 'simdconv';

await sc.init();

class Conv2D extends sc.nn.Module {
  readonly weight: sc.Tensor;
  readonly bias: sc.Tensor;
  constructor(kernelSize: [number, number], seed: number) {
    super();
    this.weight = sc.randn(kernelSize, { seed }); // random init, like tf.random_normal_initializer
    this.bias = sc.randn([1], { seed: seed + 1 });
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }
  forward(x: sc.Tensor): sc.Tensor {
    return sc.corr2d(x, this.weight).add(this.bias);
  }
}

// The lesson's image and its edges.
const X = sc.ones([6, 8]).set([null, [2, 6]], 0);
const Y = sc.corr2d(X, sc.tensor([[1, -1]]));

const layer = new Conv2D([1, 2], 0);
const lossOf = (): sc.Tensor => sc.nn.squaredError(layer.forward(X), Y).sum();

const loss = lossOf();
loss.backward();
const dK = layer.weight.grad!;
const db = layer.bias.grad!;
console.log(`loss ${loss.item().toFixed(6)}`);
console.log('dL/dK (autograd)');
console.log(dK.toString());
console.log('dL/db (autograd)');
console.log(db.toString());

// Central differences of the loss: the loss is quadratic in K and b, so with any step they are
// exact up to float32 rounding of the loss.
const h = 1e-2;
function finiteDifference(p: sc.Tensor): number[] {
  const base = p.data();
  return Array.from(base, (v, i) => {
    const at = (x: number): number => {
      sc.noGrad(() => p.set([...unravel(i, p.shape)], x));
      const l = sc.tidy(() => sc.noGrad(() => lossOf().item()));
      return l;
    };
    const g = (at(v + h) - at(v - h)) / (2 * h);
    sc.noGrad(() => p.set([...unravel(i, p.shape)], v));
    return g;
  });
}
function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(i % shape[a]!);
    i = Math.floor(i / shape[a]!);
  }
  return idx;
}

const fdK = finiteDifference(layer.weight);
const fdb = finiteDifference(layer.bias);
console.log(`dL/dK (finite difference) [${fdK.map((v) => v.toFixed(4)).join(', ')}]`);
console.log(`dL/db (finite difference) [${fdb.map((v) => v.toFixed(4)).join(', ')}]`);
const auto = [...dK.data(), ...db.data()], fd = [...fdK, ...fdb];
const worst = Math.max(...auto.map((v, i) => Math.abs(v - fd[i]!) / Math.max(1, Math.abs(fd[i]!))));
console.log(`largest relative difference between autograd and finite differences: ${worst.toExponential(2)}`);

// By hand: with r = corr2d(X, K) + b - Y, dL/db = 2·Σr and dL/dK[0][j] = 2·Σ r·X[:, j:j+7].
const r = sc.noGrad(() => layer.forward(X).sub(Y));
console.log(`by hand: dL/db = 2·sum(r) = ${(2 * r.sum().item()).toFixed(4)}`);
