// The determinism cases with a pool of two threads (init is process-wide, so this runs in its own
// process through test/runtimes/harness.ts). Returns the hashes and the threads actually used.
import * as sc from 'simdconv';
import { determinismHashes } from './cases.js';

export default async function main(): Promise<{ threads: number; hashes: Record<string, string> }> {
  await sc.init({ threads: 2 });
  return { threads: sc.capabilities().threads, hashes: await determinismHashes(sc) };
}
