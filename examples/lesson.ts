// "Convolutions for Images", cell by cell, on simdconv. `npm start` runs this file.
import * as sc from 'simdconv';

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
