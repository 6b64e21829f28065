// Starting a farm in a folder for the tower: `af start --no-browser --json` run there
// as its own process, so it is the very command a user types (its checks, its
// Ctrl-C handling, and `af stop` in that project interrupts it like any start under
// way). Its JSON is the answer; its error line (`af: error: <message> (<code>)`)
// becomes the same typed error.
import { spawn } from 'node:child_process';
import { AgentFarmStateError } from '../engine/index.js';
import { FARM_MARKER } from './farm-mark.js';
import { LaunchError } from './launch.js';

/** An `af start` that does not finish in this time is ended: a start takes seconds. */
const START_TIMEOUT_MS = 120_000;
const OUTPUT_LIMIT = 1024 * 1024;

/** What `af start --json` prints, its architect apart from its dashboard. */
export interface FarmStarted {
  architect: { pid: number; port: number; cmd: string; tmuxSession?: string };
  dashboard: { pid: number; port: number; url: string } | null;
}

function started(json: string): FarmStarted {
  const { dashboard, ...architect } = JSON.parse(json) as FarmStarted['architect'] & Pick<FarmStarted, 'dashboard'>;
  return { architect, dashboard };
}

/** Runs `afStart` (the command line of `af start --no-browser --json`) in `folder`. */
export function startFarmIn(folder: string, afStart: readonly string[]): Promise<FarmStarted> {
  // The tower's own mark stays with the tower: what the start launches is marked as its farm's.
  const { [FARM_MARKER]: _towerMark, ...environment } = process.env;
  const child = spawn(afStart[0]!, afStart.slice(1), {
    cwd: folder,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < OUTPUT_LIMIT) stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < OUTPUT_LIMIT) stderr += chunk;
  });
  // SIGTERM: the start undoes what it began, as on Ctrl-C.
  const timer = setTimeout(() => child.kill('SIGTERM'), START_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new LaunchError(`cannot run "af start" in ${folder}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        try {
          return resolve(started(stdout));
        } catch {
          return reject(new LaunchError(`"af start" in ${folder} printed no JSON: ${stdout.slice(0, 500)}`));
        }
      }
      reject(startError(stderr, folder, signal ? `signal ${signal}` : `exit code ${code}`));
    });
  });
}

/** The command's own typed error, from its last error line. */
function startError(stderr: string, folder: string, ending: string): AgentFarmStateError {
  const lines = [...stderr.matchAll(/^af: error: ([\s\S]*?) \((E_[A-Z_]+)\)$/gm)];
  const last = lines.at(-1);
  if (last) return new AgentFarmStateError(last[2]!, last[1]!);
  return new LaunchError(`"af start" in ${folder} failed (${ending}): ${stderr.trim().slice(-1000) || 'no output'}`);
}
