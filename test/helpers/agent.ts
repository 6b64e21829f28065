// The recording stand-in agent (recording-agent.mjs) as a farm command, and what it
// recorded: the arguments it was started with and the bytes typed into its terminal.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './tmux-server.js';

const SCRIPT = fileURLToPath(new URL('./recording-agent.mjs', import.meta.url));

export interface RecordingAgent {
  /** The farm command that starts it (the prompt, if any, comes after its words). */
  command: string;
  /** The arguments it was started with, once it started. */
  args(): Promise<string[]>;
  /** Everything typed into its terminal so far. */
  input(): string;
  /** Waits until its input holds `count` occurrences of `text`. */
  waitForInput(text: string, count?: number): Promise<string>;
}

/** An agent that records into `<folder>/<name>.*`; `paste` makes it ask for bracketed paste. */
export function recordingAgent(folder: string, name: string, options: { paste?: boolean } = {}): RecordingAgent {
  const out = join(folder, name);
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const input = () => (existsSync(`${out}.input`) ? readFileSync(`${out}.input`, 'utf8') : '');
  return {
    command: [process.execPath, SCRIPT, out, ...(options.paste ? ['--paste'] : [])].map(quote).join(' '),
    async args() {
      await eventually(`${name} to start`, () => existsSync(`${out}.args.json`));
      const args = JSON.parse(readFileSync(`${out}.args.json`, 'utf8')) as string[];
      return args.filter((arg) => arg !== '--paste');
    },
    input,
    async waitForInput(text, count = 1) {
      await eventually(
        `${count} × ${JSON.stringify(text)} typed into ${name} (so far: ${JSON.stringify(input())})`,
        () => input().split(text).length - 1 >= count,
      );
      return input();
    },
  };
}
