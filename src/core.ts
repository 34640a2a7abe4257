// The public API of simdconv, shared by every package entry: index.ts (Node, Deno, Bun), browser.ts
// and workerd.ts re-export all of this and add the `init` that knows where their platform finds
// the .wasm. Add new public exports HERE (not to index.ts), so every runtime gets them.
export { type InitOptions, setThreads } from './wasm/runtime.js';
export type { WasmBytes, WasmModule } from './wasm/types.js';
export { capabilities, type Capabilities, type RuntimeName } from './threads/capabilities.js';
export { type NestedArray, type Shape } from './tensor.js';
export { tidy, keep, memory } from './scope.js';
export { setLeakWarning, trackTensors, liveTensors, type TensorSite } from './storage.js';
export { Tensor } from './ops/methods.js'; // the class, with the methods that run ops
export {
  tensor, zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, manualSeed, variable,
  type Data, type RandomOptions,
} from './ops/create.js';
export { add, sub, mul, div, pow, maximum, minimum } from './ops/elementwise.js';
export { neg, abs, square, sqrt, exp, log, relu, sign } from './ops/unary.js';
export type { Operand } from './ops/elementwise-kernels.js';
export { sum, mean, max, min } from './ops/reduce.js';
export { reshape, transpose, flip, slice, clone, detach, type IndexSpec, type SetValue } from './ops/shape.js';
export { corr2d, convolve2d } from './ops/corr2d.js';
export { conv2d, conv2dGradInput, conv2dGradWeight } from './ops/conv.js';
export { convOutputSize, type Conv2dOptions, type ConvAlgorithm, type ConvGeometryOptions, type Padding, type Pair } from './ops/conv-options.js';
export { noGrad, isGradEnabled } from './autograd/node.js';
// ---- CNN chapter (issue 14): ops (their Tensor methods: ops/cnn-methods.ts), data ----
export { maxPool2d, avgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool.js';
export { sigmoid, tanh } from './ops/activation.js';
export { softmax, logSoftmax, argmax } from './ops/softmax.js';
export { linear, flatten } from './ops/linear.js';
export { conv2dTranspose, type Conv2dTransposeOptions } from './ops/conv-transpose.js';
export type { PaddingMode } from './ops/conv-options.js';
export * as data from './data/index.js';
// ---- end CNN chapter ----
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { fit, fitSync, type FitOptions, type Progress } from './train.js';
export { compile, type CompiledStep, type CompileOptions } from './compile.js';
export { im2col, toeplitz, matmul, type Im2colOptions, type ToeplitzOptions } from './ops/matmul.js';
export { receptiveField, receptiveFieldOf, type ReceptiveLayer, type ReceptiveModule, type ReceptiveFieldInfo, type ReceptiveRegion } from './receptive.js';
export * as kernels from './filters.js'; // the filter gallery, public name `kernels`
export {
  SimdconvError, ShapeError, ArgumentError, DisposedTensorError, NotInitializedError,
  UnsupportedRuntimeError, SimdconvOutOfMemoryError, AutogradError, CompileError,
} from './errors.js';
