// Runs every uvu test file and ends with the runner's own counts as one line:
// "N passed, N failed". Exits non-zero when any test failed or the runner broke.
import { spawn } from 'node:child_process';

const pattern = process.argv[2] ?? '\\.test\\.ts$';
// test/helpers/ is never run as tests, whatever the pattern: its workers act on their
// arguments (a pattern like 'state' would run state-worker.ts in the runner itself).
const child = spawn(
  process.execPath,
  ['--import', './test/helpers/register.mjs', './node_modules/uvu/bin.js', 'test', pattern, '--ignore', '^helpers'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  // uvu colours its summary; strip ANSI codes before reading the numbers.
  const plain = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    console.log(`test runner ended (exit ${code}) without a summary`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const failed = total - passed - skipped;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
