// Loads Fashion-MNIST from a folder holding its four IDX files (Debian's dataset-fashion-mnist
// package installs them in /usr/share/datasets/fashion-mnist/), in Node, Deno or Bun.
//
// The caller passes the file reader (Node: `readFile` from 'node:fs/promises'; Deno:
// `Deno.readFile`): the shipped library itself never touches the file system beyond reading its
// own .wasm (test/security.test.ts holds it to that), and this module stays platform-neutral.
import { ArgumentError } from '../errors.js';
import { FASHION_MNIST_FILES, fashionMnistFromBytes, type FashionMnist, type FashionMnistBytes } from './fashion-mnist.js';

/**
 * Where `apt-get install dataset-fashion-mnist` puts the files.
 * @example sc.data.FASHION_MNIST_DEBIAN_DIR   // => '/usr/share/datasets/fashion-mnist'
 */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * The options of {@link loadFashionMnist}: a file reader and the folder.
 * @example
 * const opts: sc.data.LoadFashionMnistOptions = { readFile: async () => new Uint8Array(0), dir: '/data/fashion' };
 * opts.dir   // => '/data/fashion'
 */
export interface LoadFashionMnistOptions {
  /** Reads a whole file: Node's `readFile` from 'node:fs/promises', `Deno.readFile`, ... */
  readFile: (path: string) => Promise<Uint8Array | ArrayBuffer>;
  /** The folder (default: the Debian one). */
  dir?: string;
}

/**
 * Reads the four files from `dir` (the Debian folder by default). Each file may be gzip-compressed
 * (`train-images-idx3-ubyte.gz`, ...) or already gunzipped (the same name without `.gz`).
 * A missing file is an ArgumentError naming it; a corrupt one an IdxFormatError.
 * @example
 * // import { readFile } from 'node:fs/promises'; then, with the Debian package installed:
 * // const { train, test } = await sc.data.loadFashionMnist({ readFile });   // 60000 and 10000 images
 * // Any reader works; here one that finds no file:
 * const readFile = async (path: string): Promise<Uint8Array> => { throw new Error(`no ${path}`); };
 * const error = await sc.data.loadFashionMnist({ readFile, dir: '/nowhere' }).catch((e) => e);
 * error instanceof sc.ArgumentError   // => true
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions): Promise<FashionMnist> {
  const { readFile, dir = FASHION_MNIST_DEBIAN_DIR } = options ?? ({} as LoadFashionMnistOptions);
  if (typeof readFile !== 'function') {
    throw new ArgumentError('loadFashionMnist', 'readFile', 'a file reader: (path) => Promise of the bytes, such as fs/promises readFile in Node or Deno.readFile', String(readFile));
  }
  if (typeof dir !== 'string') throw new ArgumentError('loadFashionMnist', 'dir', 'a folder path', String(dir));
  // Read in parallel; a failure is reported for the first file in FASHION_MNIST_FILES' order that
  // failed, not for whichever read failed first (the same error every time).
  const keys = Object.keys(FASHION_MNIST_FILES) as (keyof typeof FASHION_MNIST_FILES)[];
  const reads = await Promise.allSettled(keys.map((key) => readEither(readFile, dir, FASHION_MNIST_FILES[key])));
  const failed = reads.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const bytes = Object.fromEntries(keys.map((key, i) => [key, (reads[i] as PromiseFulfilledResult<Uint8Array | ArrayBuffer>).value]));
  return fashionMnistFromBytes(bytes as unknown as FashionMnistBytes);
}

async function readEither(read: LoadFashionMnistOptions['readFile'], dir: string, gzName: string): Promise<Uint8Array | ArrayBuffer> {
  const names = [gzName, gzName.replace(/\.gz$/, '')];
  const base = dir.replace(/\/+$/, '');
  let why = '';
  for (const name of names) {
    try {
      return await read(`${base}/${name}`);
    } catch (e) {
      why = (e as Error)?.message ?? String(e);
    }
  }
  throw new ArgumentError('loadFashionMnist', 'dir', `a folder with ${names.join(' or ')} (apt-get install dataset-fashion-mnist)`,
    `'${dir}' (${why})`);
}
