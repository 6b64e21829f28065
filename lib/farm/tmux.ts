// Running the tmux command: its output, or a typed error with what tmux said. One
// runner for every tmux call the farm makes but the control clients (terminal/).
import { spawn } from 'node:child_process';
import { messageOf } from '../engine/index.js';
import { TerminalError } from './terminal/tmux-control.js';

function run(args: readonly string[], input: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('tmux', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => reject(new TerminalError(`tmux ${args[0]} failed: ${messageOf(error)}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new TerminalError(`tmux ${args[0]} failed: ${stderr.trim() || `exit ${code}`}`)),
    );
    // A tmux that ended early (its error is in its exit) closes the pipe: EPIPE here says nothing more.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export function tmux(...args: string[]): Promise<string> {
  return run(args, undefined);
}

/** Whether the session's pane runs its program (a pane kept after its program ended does not; nor a session that is gone). */
export async function paneLives(session: string): Promise<boolean> {
  const dead = await tmux('display-message', '-p', '-t', `=${session}:`, '#{pane_dead}').catch(() => undefined);
  return dead !== undefined && dead.trim() === '0';
}

/** tmux with `input` on its standard input (`load-buffer -`), which no other command reads. */
export function tmuxFed(input: string, ...args: string[]): Promise<string> {
  return run(args, input);
}
