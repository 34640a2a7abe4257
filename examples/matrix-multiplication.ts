// Exercise 3: cross-correlation as a matrix multiplication, two ways.
// - Change the kernel: the doubly block Toeplitz matrix T of K (one row per output, K's taps on
//   the input columns that output reads), so corr2d(X, K) = T @ vec(X).
// - Change the input: im2col puts every input patch in a column, so corr2d(X, K) = vec(K) @ im2col(X).
// `npm run examples` runs this.
import * as sc from 'simdconv';

await sc.init();

const X = sc.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]);
const K = sc.tensor([[0.0, 1.0], [2.0, 3.0]]);
console.log('corr2d(X, K)');
console.log(sc.corr2d(X, K).toString());

console.log('\nT = toeplitz(K, [3, 3]): shape [4, 9], one row per output element');
const T = sc.toeplitz(K, [3, 3]);
console.log(T.toString());
console.log('T @ vec(X), reshaped to 2x2');
console.log(sc.matmul(T, X.flatten()).reshape([2, 2]).toString());

console.log('\nim2col(X, [2, 2]): shape [4, 4], one column per 2x2 patch');
const cols = sc.im2col(X, [2, 2]);
console.log(cols.toString());
console.log('vec(K) @ im2col(X), reshaped to 2x2');
console.log(sc.matmul(K.flatten(), cols).reshape([2, 2]).toString());

// The same on the lesson's edge image, and with stride, padding and dilation on a random image.
function maxAbsDiff(a: sc.Tensor, b: sc.Tensor): number {
  const x = a.data(), y = b.data();
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

console.log('\nThe edge image (6x8) with K = [[1, -1]]');
const E = sc.ones([6, 8]).set([null, [2, 6]], 0);
const Ke = sc.tensor([[1.0, -1.0]]);
const direct = sc.corr2d(E, Ke);
const viaT = sc.matmul(sc.toeplitz(Ke, [6, 8]), E.flatten()).reshape([6, 7]);
const viaCols = sc.matmul(Ke.flatten(), sc.im2col(E, [1, 2])).reshape([6, 7]);
console.log(`toeplitz: T is ${sc.toeplitz(Ke, [6, 8]).shape.join('x')}, max |T @ vec(X) - corr2d(X, K)| = ${maxAbsDiff(viaT, direct)}`);
console.log(`im2col: max |vec(K) @ im2col(X) - corr2d(X, K)| = ${maxAbsDiff(viaCols, direct)}`);

console.log('\nA random 9x11 image, a 3x3 kernel, stride 2, padding 1, dilation [1, 2]');
const R = sc.randn([9, 11], { seed: 1 });
const Kr = sc.randn([3, 3], { seed: 2 });
const opts = { stride: 2, padding: 1, dilation: [1, 2] as [number, number] };
const want = sc.conv2d(R.reshape([1, 1, 9, 11]), Kr.reshape([1, 1, 3, 3]), opts);
const [, , ho, wo] = want.shape as [number, number, number, number];
const t = sc.toeplitz(Kr, [9, 11], opts);
console.log(`conv2d output ${ho}x${wo}; T is ${t.shape.join('x')}; im2col is ${sc.im2col(R, 3, opts).shape.join('x')}`);
console.log(`max |T @ vec(X) - conv2d| = ${maxAbsDiff(sc.matmul(t, R.flatten()), want).toExponential(1)}`);
console.log(`max |vec(K) @ im2col(X) - conv2d| = ${maxAbsDiff(sc.matmul(Kr.flatten(), sc.im2col(R, 3, opts)), want).toExponential(1)}`);

console.log('\nBoth views are differentiable: the kernel gradient through T equals the one through corr2d');
const Kv = sc.variable([[0.0, 1.0], [2.0, 3.0]]);
sc.corr2d(X, Kv).sum().backward();
const gDirect = Kv.grad!.data();
Kv.zeroGrad();
sc.matmul(sc.toeplitz(Kv, [3, 3]), X.flatten()).sum().backward();
console.log(`dsum/dK via corr2d [${Array.from(gDirect).join(', ')}], via toeplitz [${Array.from(Kv.grad!.data()).join(', ')}]`);
