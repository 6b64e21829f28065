// lib/farm/terminal/log-follower.ts on real files: a bounded tail from a line's
// start, appended bytes as they come (UTF-8 split across writes joined again), a log
// written anew, a link planted in the log's place never followed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogFollower } from '../../../lib/farm/terminal/log-follower.js';
import { inFolder } from '../../helpers/processes.js';
import { eventually } from '../../helpers/tmux-server.js';

function follow(file: string, tail?: number) {
  const chunks: Buffer[] = [];
  const follower = new LogFollower({ file, tail, intervalMs: 20, onOutput: (data) => chunks.push(data) });
  return { follower, text: () => Buffer.concat(chunks).toString('utf8') };
}

test(
  'the tail starts at a line, then appended bytes follow',
  inFolder(async (folder) => {
    const file = join(folder, 'builder.log');
    writeFileSync(file, Array.from({ length: 1000 }, (_, i) => `old line ${i}\n`).join(''));
    const { follower, text } = follow(file, 100);
    try {
      assert.ok(text().startsWith('old line'), JSON.stringify(text()));
      assert.ok(text().endsWith('old line 999\n'));
      assert.ok(text().length <= 100);
      const euro = Buffer.from('€', 'utf8');
      appendFileSync(file, Buffer.concat([Buffer.from('new: café '), euro.subarray(0, 1)]));
      await eventually('the first half', () => text().includes('new: café'));
      appendFileSync(file, Buffer.concat([euro.subarray(1), Buffer.from(' end\n')]));
      await eventually('the rest', () => text().endsWith('new: café € end\n'));
    } finally {
      follower.close();
    }
  }),
);

test(
  'a log that appears later, and one written anew, are followed from their start',
  inFolder(async (folder) => {
    const file = join(folder, 'later.log');
    const { follower, text } = follow(file);
    try {
      writeFileSync(file, 'first run\n');
      await eventually('the new log', () => text() === 'first run\n');
      writeFileSync(file, 'again\n');
      await eventually('the log written anew', () => text() === 'first run\nagain\n');
    } finally {
      follower.close();
    }
  }),
);

test(
  'a link in the log’s place is not followed; pause stops reading until resume',
  inFolder(async (folder) => {
    const secret = join(folder, 'secret.txt');
    writeFileSync(secret, 'SECRET-1f3a\n');
    const linked = join(folder, 'linked.log');
    symlinkSync(secret, linked);
    const viaLink = follow(linked);
    const file = join(folder, 'paused.log');
    writeFileSync(file, 'before\n');
    const paused = follow(file);
    try {
      paused.follower.pause();
      appendFileSync(file, 'while paused\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.is(paused.text(), 'before\n');
      paused.follower.resume();
      await eventually('the bytes written during the pause', () => paused.text() === 'before\nwhile paused\n');
      assert.is(viaLink.text(), '', 'nothing read through the link');
    } finally {
      viaLink.follower.close();
      paused.follower.close();
    }
  }),
);

test.run();
