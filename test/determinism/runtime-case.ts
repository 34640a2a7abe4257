// The determinism cases in another runtime (see test/runtimes/harness.ts): `init()` with the
// runtime's defaults, then the hashes.
import * as sc from 'simdconv';
import { determinismHashes } from './cases.js';

export default async function main(): Promise<Record<string, string>> {
  await sc.init();
  return determinismHashes(sc);
}
