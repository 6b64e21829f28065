// A child process that makes the tower's secret in AF_GLOBAL_DIR once told to: it prints
// "ready", waits for a line on stdin, then prints "created <secret>" when it made the
// secret, or "found <secret>" when another process had.
import { createInterface } from 'node:readline';
import { towerFiles, towerSecret } from '../../lib/farm/tower.js';

console.log('ready');
for await (const _line of createInterface({ input: process.stdin })) break;
const { secret, created } = towerSecret(towerFiles());
console.log(`${created ? 'created' : 'found'} ${secret}`);
