// Layers and losses: `sc.nn.Conv2d`, `sc.nn.Module`, `sc.nn.mseLoss`, `sc.nn.squaredError`, `sc.nn.crossEntropy`.
export { Module, type StateDict, type StateEntry } from './module.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { mseLoss, squaredError, type Reduction } from './loss.js';
export { crossEntropy, type CrossEntropyOptions, type Labels } from './loss-ce.js';
