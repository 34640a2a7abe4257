// Feature map and receptive field: which input elements an output element depends on.
// `npm run examples` runs this.
import * as sc from 'simdconv';

await sc.init();

const X = sc.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]);
const K = sc.tensor([[0.0, 1.0], [2.0, 3.0]]);
const Y = sc.corr2d(X, K);
console.log('Y = corr2d(X, K), a feature map');
console.log(Y.toString());

const one = [{ kernelSize: 2 }];
const two = [{ kernelSize: 2 }, { kernelSize: 2 }];
const r19 = sc.receptiveFieldOf(one, [0, 0], [3, 3]);
console.log(`the receptive field of 19 = Y[0, 0] in X: elements ${JSON.stringify(r19.indices)} (rows [${r19.rows}), cols [${r19.cols}))`);
const rz = sc.receptiveFieldOf(two, [0, 0], [3, 3]);
console.log(`a second 2x2 layer gives z (1x1); z's field in Y: ${JSON.stringify(sc.receptiveFieldOf(one, [0, 0], [2, 2]).indices)}, in X: ${JSON.stringify(rz.indices)}`);

console.log('\nA deeper stack: three 3x3 convolutions, a 2x2 pooling with stride 2, a dilated 3x3');
const stack = [{ kernelSize: 3 }, { kernelSize: 3 }, { kernelSize: 3 }, { kernelSize: 2, stride: 2 }, { kernelSize: 3, dilation: 2 }];
for (const [i, l] of sc.receptiveField(stack, [32, 32]).entries()) {
  console.log(`layer ${i + 1}: field ${l.size[0]}x${l.size[1]}, jump ${l.jump[0]}, start ${l.start[0]}, output ${l.outputShape!.join('x')}`);
}
const centre = sc.receptiveFieldOf(stack, [3, 3], [32, 32]);
console.log(`output [3, 3] sees rows [${centre.rows}) and cols [${centre.cols}) of the 32x32 input; every pixel of that box: ${centre.dense}`);
