// Exercise 4: design kernels by hand.
// - The second derivative: [1, -2, 1].
// - The derivative of degree d: the d-th finite difference, binomial coefficients with alternating
//   signs; it needs d + 1 taps (the minimum size: a polynomial of degree d has d + 1 coefficients,
//   and a kernel must see d + 1 samples to tell x^d from lower degrees).
// - An integral: a box of ones (times the step), and the running sum for the integral from 0.
// `npm run examples` runs this.
import * as sc from 'simdconv';

await sc.init();

// A polynomial image: every row samples p(x) = x³ - 2x² + 3x + 1 at x = 0, 1, ..., 7
// (plus a different constant per row, which derivatives ignore).
const p = (x: number): number => x ** 3 - 2 * x ** 2 + 3 * x + 1;
const W = 8, H = 3;
const P = sc.tensor(Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => p(x) + 10 * y)));
console.log('P: rows of p(x) = x³ - 2x² + 3x + 1 (+ 10·row)');
console.log(P.toString());

console.log('\nThe d-th finite difference on P');
for (let d = 1; d <= 4; d++) {
  const K = sc.kernels.finiteDifference(d);
  const Y = sc.corr2d(P, K);
  console.log(`degree ${d}: kernel ${JSON.stringify(K.toArray())} (${d + 1} taps) -> row 0 ${JSON.stringify((Y.toArray() as number[][])[0])}`);
}
console.log('degree 3 is constant: 3!·a₃ = 6·1 = 6; degree 4 vanishes on a cubic.');

console.log('\nThe second derivative kernel [1, -2, 1] on x²: 2 everywhere');
const Q = sc.tensor([Array.from({ length: W }, (_, x) => x * x)]);
console.log(`corr2d(x², [1, -2, 1]) = ${JSON.stringify(sc.corr2d(Q, sc.kernels.secondDerivative()).toArray())}`);
console.log('In 2-D, the Laplacian [[0, 1, 0], [1, -4, 1], [0, 1, 0]] on x² + y²: 4 everywhere');
const R = sc.tensor(Array.from({ length: 5 }, (_, y) => Array.from({ length: 5 }, (_, x) => x * x + y * y)));
console.log(`corr2d(x² + y², laplacian) = ${JSON.stringify(sc.corr2d(R, sc.kernels.laplacian()).toArray())}`);

console.log('\nIntegrals. Samples of f(t) = 2t at t = 0, 0.1, ..., 1 (11 samples, step h = 0.1)');
const h = 0.1;
const F = sc.tensor([Array.from({ length: 11 }, (_, i) => 2 * i * h)]);
const box = sc.corr2d(F, sc.kernels.integral(10, { step: h })).toArray() as number[][];
console.log(`box (rectangle rule) h·[1 x 10] over t in [0, 1): ${box[0]![0]!.toFixed(4)} (the left Riemann sum; the exact ∫₀¹ 2t dt is 1)`);
const trap = sc.corr2d(F, sc.kernels.integral(11, { step: h, rule: 'trapezoid' })).item();
console.log(`trapezoid h·[½, 1, ..., 1, ½] over all 11 samples: ${trap.toFixed(4)} (exact for straight lines)`);

console.log('\nThe running sum (integral from the start): runningSum(n) with padding "same"');
const v = sc.tensor([[[[1, 2, 3, 4, 5]]]]);
const cum = sc.conv2d(v, sc.kernels.runningSum(5).reshape([1, 1, 1, 9]), { padding: 'same' });
console.log(`running sum of [1, 2, 3, 4, 5] = ${JSON.stringify(Array.from(cum.data()))}`);
const back = sc.conv2d(cum, sc.kernels.finiteDifference(1).reshape([1, 1, 1, 2]), { padding: [[0, 0], [1, 0]] });
console.log(`its first difference = ${JSON.stringify(Array.from(back.data()))} (differentiation undoes integration)`);
