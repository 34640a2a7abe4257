// Data helpers (`sc.data.*`): the IDX reader, Fashion-MNIST from bytes or from a folder (through a
// caller-given file reader: the library itself reads no files), and seeded mini-batch indices.
export { parseIdx, readIdx, isGzip, IdxFormatError, type Idx, type IdxType, type IdxArrays, type Bytes } from './idx.js';
export { fashionMnistFromBytes, pixelStats, FASHION_MNIST_CLASSES, type FashionMnist, type FashionMnistBytes, type ImageSet } from './fashion-mnist.js';
export { loadFashionMnist, FASHION_MNIST_DEBIAN_DIR, type LoadFashionMnistOptions } from './fashion-mnist-node.js';
export { permutation, batchIndices, batchCount, type BatchOptions } from './batches.js';
