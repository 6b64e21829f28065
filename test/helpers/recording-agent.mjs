// A stand-in agent for the farm tests, started by tmux as `node recording-agent.mjs
// <out> [--paste] [prompt]`: it records the arguments it was given (<out>.args.json)
// and every byte typed into its terminal (<out>.input), in raw mode, as an agent's
// TUI reads them (Ctrl-C arrives as a byte, nothing is echoed). With --paste it asks
// for bracketed paste, as agents and readline do.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const [out, ...args] = process.argv.slice(2);
// Written aside and renamed: a test that sees the file reads it whole, never empty.
writeFileSync(`${out}.args.json.tmp`, JSON.stringify(args));
renameSync(`${out}.args.json.tmp`, `${out}.args.json`);
writeFileSync(`${out}.input`, '');
if (process.stdin.isTTY) process.stdin.setRawMode(true);
if (args.includes('--paste')) process.stdout.write('\x1b[?2004h');
process.stdout.write('agent ready\r\n');
process.stdin.on('data', (bytes) => {
  appendFileSync(`${out}.input`, bytes);
  process.stdout.write(`got ${bytes.length} bytes\r\n`);
});
// Started without a terminal (no tmux), its input ends at once: it stays up anyway, as an agent waiting would.
setInterval(() => undefined, 60_000);
