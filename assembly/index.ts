// The kernel module's exports. Every kernel is a pure function over byte addresses into the one
// linear memory that the TypeScript side owns and allocates; nothing here allocates or keeps state.

/** First byte past the module's static data: the TypeScript allocator starts here. */
export function heap_base(): usize {
  return __heap_base;
}

export * from './elementwise';
export * from './reduce';
export * from './copy';
export * from './random';
export * from './corr2d';
export * from './corr2d_grad';
export * from './gemm';
export * from './im2col';
export * from './bias';
export * from './optim';
export * from './pool';
export * from './activation';
export * from './softmax';
export * from './winograd';
export * from './conv_few';
