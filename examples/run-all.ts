// `npm run examples`: runs every example script in this folder, each in its own process, and
// stops at the first that fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
  .sort((a, b) => (a === 'lesson.ts' ? -1 : b === 'lesson.ts' ? 1 : a.localeCompare(b)));

for (const script of scripts) {
  console.log(`\n===== examples/${script} =====`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`examples/${script} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
console.log(`\n${scripts.length} examples ran.`);
