// Exercise 1: an image with a diagonal edge. What does the lesson's kernel K = [[1, -1]] find on
// it, on its transpose, and what does the transposed kernel find? `npm run examples` runs this.
import * as sc from 'simdconv';

await sc.init();

// 1 above the main diagonal, 0 on and below it: an edge running along the diagonal.
const X = sc.ones([6, 8]);
for (let i = 0; i < 6; i++) X.set([i, [0, i + 1]], 0); // X[i, :i+1] = 0
console.log('X (an edge along the diagonal)');
console.log(X.toString());

const K = sc.tensor([[1.0, -1.0]]);

/** Where a feature map is non-zero, as "row:col=value" entries. */
function nonzero(Y: sc.Tensor): string {
  const [, w] = Y.shape as [number, number];
  const out: string[] = [];
  Y.data().forEach((v, i) => {
    if (v !== 0) out.push(`${Math.floor(i / w)}:${i % w}=${v}`);
  });
  return out.join(' ');
}

console.log('\n1. corr2d(X, K): K sees the horizontal step of the diagonal edge, -1 (black to white) in every row');
const Y = sc.corr2d(X, K);
console.log(Y.toString());
console.log(`non-zero: ${nonzero(Y)}`);

console.log('\n2. corr2d(X.T, K): the transposed image has white below the diagonal, so the sign flips to +1');
const Yt = sc.corr2d(X.T, K);
console.log(Yt.toString());
console.log(`non-zero: ${nonzero(Yt)}`);

console.log('\n3. corr2d(X, K.T): the transposed kernel [[1], [-1]] sees the vertical step: +1 in every column that crosses the edge');
const Yk = sc.corr2d(X, K.T);
console.log(Yk.toString());
console.log(`non-zero: ${nonzero(Yk)}`);
console.log(`corr2d(X, K.T) equals corr2d(X.T, K).T: ${JSON.stringify(Yk.toArray()) === JSON.stringify(Yt.T.toArray())}`);

console.log('\nDiagonal kernels (sc.kernels): edgeDiagonal compares a pixel with its lower-right neighbour, along this edge: blind to it');
console.log(`corr2d(X, edgeDiagonal()) non-zero: ${nonzero(sc.corr2d(X, sc.kernels.edgeDiagonal())) || 'none'}`);
console.log('edgeAntiDiagonal compares across the edge: a band of +1');
console.log(`corr2d(X, edgeAntiDiagonal()) non-zero: ${nonzero(sc.corr2d(X, sc.kernels.edgeAntiDiagonal()))}`);
