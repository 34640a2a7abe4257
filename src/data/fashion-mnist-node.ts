// Loads Fashion-MNIST in Node from a folder holding its four IDX files (Debian's
// dataset-fashion-mnist package installs them in /usr/share/datasets/fashion-mnist/).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../errors.js';
import { FASHION_MNIST_FILES, fashionMnistFromBytes, type FashionMnist, type FashionMnistBytes } from './fashion-mnist.js';

/** Where `apt-get install dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Reads the four files from `dir` (the Debian folder by default). Each file may be gzip-compressed
 * (`train-images-idx3-ubyte.gz`, ...) or already gunzipped (the same name without `.gz`).
 * A missing file is an ArgumentError naming the folder; a corrupt one an IdxFormatError.
 * Usage (the `// =>` values are what the calls return):
 * // const { train, test } = await loadFashionMnist();
 * // [train.count, test.count, train.rows, train.cols]   // => [60000, 10000, 28, 28]
 */
export async function loadFashionMnist(dir: string = FASHION_MNIST_DEBIAN_DIR): Promise<FashionMnist> {
  const entries = await Promise.all(Object.entries(FASHION_MNIST_FILES).map(async ([key, name]) => {
    return [key, await readEither(dir, name)] as const;
  }));
  return fashionMnistFromBytes(Object.fromEntries(entries) as FashionMnistBytes);
}

async function readEither(dir: string, gzName: string): Promise<Uint8Array> {
  const names = [gzName, gzName.replace(/\.gz$/, '')];
  for (const name of names) {
    try {
      return await readFile(join(dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new ArgumentError('loadFashionMnist', 'dir', `a folder with ${names.join(' or ')} (apt-get install dataset-fashion-mnist)`,
    `'${dir}' without it`);
}
