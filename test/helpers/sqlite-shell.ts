// The real sqlite3 shell: a second opinion on the files this package writes, and
// the native writer for fixtures.
import { execFileSync, spawn } from 'node:child_process';

export function sqliteShell(dbPath: string, sql: string): string {
  return execFileSync('sqlite3', [dbPath, sql], { encoding: 'utf8' }).trim();
}

/**
 * Runs `script` in the shell and SIGKILLs it once done, before it closes the database:
 * a WAL-mode writer killed this way leaves its committed rows only in the -wal file.
 */
export function killShellWhenReady(dbPath: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sqlite3', [dbPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/^ready$/m.test(stdout)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.on('error', () => {}); // the kill may cut the pipe
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && stderr === '') resolve();
      else reject(new Error(`sqlite3 ended (${code ?? signal}) before it was ready: ${stderr}`));
    });
    // stdin stays open: at the end of its input the shell would close the database and checkpoint it.
    child.stdin.write(`${script}\nSELECT 'ready';\n`);
  });
}
