// Layers and losses: `sc.nn.Conv2d`, `sc.nn.Linear`, `sc.nn.Sequential`, ..., `sc.nn.mseLoss`, `sc.nn.crossEntropy`.
export { Module, type StateDict, type StateEntry } from './module.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { ConvTranspose2d, type ConvTranspose2dLayerOptions } from './conv-transpose.js';
export { mseLoss, squaredError, type Reduction } from './loss.js';
export { crossEntropy, type CrossEntropyOptions, type Labels } from '../ops/cross-entropy.js';
export { Sequential } from './sequential.js';
export { Linear, MaxPool2d, AvgPool2d, ReLU, Sigmoid, Tanh, Flatten, type LinearOptions } from './layers.js';
