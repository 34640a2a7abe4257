// Every op, for the Tensor methods and the public index.
export * from './create.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './conv.js';
export * from './matmul.js';
