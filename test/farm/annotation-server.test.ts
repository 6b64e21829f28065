// The annotation viewer serves only its user, through the built `af` and real
// sockets: a foreign Host or Origin, a missing or wrong secret are refused with none
// of the file in the answer; the printed URL works (its token becomes a cookie); a
// file swapped for a link out of the project is refused; the farm's own folder is
// refused by af annotate (as by the dashboard's Open file) and by the viewer itself;
// a file opened again gets its viewer back; the secret's file is 0600 and a link
// planted in its place is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { StateStore } from '../../lib/state/store.js';
import { AF_BIN, afEnvironment } from '../helpers/af.js';
import { tearDown, testFarm, type TestFarm } from '../helpers/farm.js';
import { inFolder } from '../helpers/processes.js';
import { eventually } from '../helpers/tmux-server.js';

const CONTENT = 'the content: CONFIDENTIAL-7d1f\n';
const OUTSIDE = 'outside the project: SHADOW-93ab\n';

function farmTest(name: string, body: (farm: TestFarm) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const farm = testFarm(folder, { tmux: false });
      writeFileSync(join(farm.project, 'notes.md'), CONTENT);
      try {
        await body(farm);
      } finally {
        await tearDown(farm);
      }
    }),
  );
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function annotate(farm: TestFarm, file = 'notes.md'): Promise<{ port: number; token: string; url: URL }> {
  const annotation = await farm.afJson(['annotate', file]);
  const url = new URL(annotation.url);
  return { port: annotation.port, token: url.searchParams.get('token')!, url };
}

function refused(answer: Answer, status: number, what: string): void {
  assert.is(answer.status, status, `${what}: ${answer.body}`);
  assert.is(JSON.parse(answer.body).error.code, status === 401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', what);
  assert.not.match(answer.body, 'CONFIDENTIAL', `${what}: none of the file in the body`);
  assert.is(answer.headers['cache-control'], 'no-store', what);
}

farmTest(
  'requests without the secret, or from a foreign Host or Origin, are refused with none of the file',
  async (farm) => {
    const { port, token } = await annotate(farm);
    assert.match(token, /^[0-9a-f]{64}$/, 'the printed URL carries the 32-byte secret');
    const bearer = { Authorization: `Bearer ${token}` };
    refused(await get(port, '/'), 401, 'no secret');
    refused(await get(port, `/?token=${'0'.repeat(64)}`), 401, 'a wrong token');
    refused(await get(port, '/', { Authorization: `Bearer ${'f'.repeat(64)}` }), 401, 'a wrong bearer');
    refused(await get(port, '/', { Cookie: `af_secret_${port}=${token.slice(1)}x` }), 401, 'a wrong cookie');
    refused(await get(port, '/', { ...bearer, Host: 'evil.com' }), 403, 'a rebinding host');
    refused(await get(port, '/', { ...bearer, Host: `evil.com:${port}` }), 403, 'a rebinding host with the port');
    refused(await get(port, '/', { ...bearer, Host: `127.0.0.1:${port + 1}` }), 403, 'another port');
    refused(await get(port, '/', { ...bearer, Origin: 'http://evil.com' }), 403, 'a foreign origin');
    refused(await get(port, '/', { ...bearer, Origin: 'null' }), 403, 'an opaque origin');
    refused(await get(port, `/?token=${token}`, { Host: 'evil.com' }), 403, 'the right token through a rebinding host');

    const ok = await get(port, '/', bearer);
    assert.is(ok.status, 200);
    assert.is(ok.body, CONTENT);
    for (const host of [`localhost:${port}`, `[::1]:${port}`])
      assert.is((await get(port, '/', { ...bearer, Host: host })).status, 200, host);
    assert.is((await get(port, '/', { ...bearer, Origin: `http://localhost:${port}` })).status, 200, 'its own origin');
    assert.is(ok.headers['x-content-type-options'], 'nosniff');
    assert.is(ok.headers['referrer-policy'], 'no-referrer');
    assert.match(String(ok.headers['content-security-policy']), "default-src 'none'");
  },
);

farmTest(
  'the printed URL: its token becomes an HttpOnly SameSite=Strict cookie and a redirect to the clean URL',
  async (farm) => {
    const { port, url } = await annotate(farm);
    const first = await get(port, `${url.pathname}${url.search}`);
    assert.is(first.status, 303);
    assert.is(first.headers.location, '/');
    assert.not.match(first.body, 'CONFIDENTIAL');
    const cookie = first.headers['set-cookie']![0]!;
    assert.match(cookie, 'HttpOnly');
    assert.match(cookie, 'SameSite=Strict');
    const followed = await get(port, first.headers.location!, { Cookie: cookie.split(';')[0]! });
    assert.is(followed.status, 200);
    assert.is(followed.body, CONTENT);
  },
);

farmTest(
  'the annotated file swapped for a link out of the project is refused; a file outside it cannot be annotated',
  async (farm) => {
    const outside = join(farm.folder, 'shadow');
    writeFileSync(outside, OUTSIDE);
    mkdirSync(join(farm.project, 'docs'));
    writeFileSync(join(farm.project, 'docs', 'page.md'), CONTENT);
    const file = await annotate(farm);
    const page = await annotate(farm, 'docs/page.md');
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    rmSync(join(farm.project, 'notes.md'));
    symlinkSync(outside, join(farm.project, 'notes.md'));
    const swapped = await get(file.port, '/', bearer(file.token));
    assert.is(swapped.status, 404, swapped.body);
    assert.not.match(swapped.body, 'SHADOW');

    // A folder on the way swapped for a link: O_NOFOLLOW alone would not see it.
    const elsewhere = join(farm.folder, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'page.md'), OUTSIDE);
    renameSync(join(farm.project, 'docs'), join(farm.project, 'docs-moved'));
    symlinkSync(elsewhere, join(farm.project, 'docs'));
    const folderSwapped = await get(page.port, '/', bearer(page.token));
    assert.is(folderSwapped.status, 404, folderSwapped.body);
    assert.not.match(folderSwapped.body, 'SHADOW');

    const outsideFile = await farm.af(['annotate', outside]);
    assert.is(outsideFile.code, 1);
    assert.match(outsideFile.stderr, 'outside the project');

    // The project's own file, named through a link to the project (as $PWD/… in a linked folder): shown.
    symlinkSync(farm.project, join(farm.folder, 'project-link'));
    const throughLink = await farm.af(['annotate', join(farm.folder, 'project-link', 'docs-moved', 'page.md')]);
    assert.is(throughLink.code, 0, throughLink.stderr);
  },
);

farmTest(
  "the farm's own folder is refused by af annotate, named, through .. or through a link, and by the viewer itself",
  async (farm) => {
    const { token } = await annotate(farm);
    const secret = join(farm.project, '.agent-farm', 'secret');
    mkdirSync(join(farm.project, 'docs'));
    symlinkSync(secret, join(farm.project, 'innocent.txt'));
    symlinkSync(join(farm.project, '.agent-farm'), join(farm.project, 'innocent-folder'));
    const attempts: Array<[string, string]> = [
      ['.agent-farm/secret', farm.project],
      ['./x/../.agent-farm/logs', farm.project],
      ['../.agent-farm/secret', join(farm.project, 'docs')],
      ['innocent.txt', farm.project],
      ['innocent-folder/secret', farm.project],
    ];
    for (const [file, cwd] of attempts) {
      const refused = await farm.af(['annotate', file], cwd);
      assert.is(refused.code, 1, `af annotate ${file}: ${refused.stdout}`);
      assert.match(refused.stderr, "the farm's own folder", file);
      assert.match(refused.stderr, '(E_FORBIDDEN)', file);
      assert.not.match(refused.stdout + refused.stderr, token, `${file}: none of the secret`);
    }
    const { annotations } = await farm.afJson(['status']);
    assert.equal(
      annotations.map((annotation: { file: string }) => annotation.file),
      [join(farm.project, 'notes.md')],
      'no viewer started',
    );

    // A viewer started by hand on the secret serves none of it.
    const port = farm.basePort + 90;
    const viewer = spawn(process.execPath, [AF_BIN, '_serve', secret, '--port', String(port), '--root', farm.project], {
      cwd: farm.project,
      env: afEnvironment({ cwd: farm.project, home: join(farm.folder, 'home'), env: farm.env }),
      stdio: 'ignore',
    });
    try {
      let answer: Answer | undefined;
      await eventually('the viewer listens', async () => {
        answer = await get(port, '/', { Authorization: `Bearer ${token}` }).catch(() => undefined);
        return answer !== undefined;
      });
      assert.is(answer!.status, 404, answer!.body);
      assert.match(answer!.body, "the farm's own folder");
      assert.not.match(answer!.body, token);
    } finally {
      viewer.kill('SIGKILL');
    }
  },
);

farmTest(
  "a file opened again gets its viewer back, as the dashboard's Open file; a dead viewer is replaced",
  async (farm) => {
    const first = await farm.afJson(['annotate', 'notes.md']);
    assert.is(first.existing, undefined);
    const again = await farm.af(['annotate', 'notes.md']);
    assert.is(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      `annotation ${first.id}: ${join(farm.project, 'notes.md')} was already open at ${first.url}`,
    );
    mkdirSync(join(farm.project, 'docs'));
    const fromFolder = await farm.af(['annotate', '../notes.md', '--json'], join(farm.project, 'docs'));
    assert.equal(
      [JSON.parse(fromFolder.stdout).id, JSON.parse(fromFolder.stdout).port, JSON.parse(fromFolder.stdout).existing],
      [first.id, first.port, true],
    );
    assert.is((await farm.afJson(['status'])).annotations.length, 1, 'one viewer');

    process.kill(first.pid, 'SIGKILL');
    await eventually('the viewer ended', () => !isProcessAlive(first.pid));
    const replaced = await farm.afJson(['annotate', 'notes.md']);
    assert.is(replaced.existing, undefined);
    assert.is.not(replaced.pid, first.pid);
    const { annotations } = await farm.afJson(['status']);
    assert.equal(
      annotations.map((annotation: { id: string }) => annotation.id),
      [replaced.id],
      'the dead one replaced',
    );
    const { token } = await annotate(farm);
    assert.is((await get(replaced.port, '/', { Authorization: `Bearer ${token}` })).body, CONTENT);

    // A row another af annotate is still starting (it names that command) is no viewer to give out: it may fail.
    process.kill(replaced.pid, 'SIGKILL');
    const blocker = join(farm.folder, 'block.cjs');
    writeFileSync(blocker, 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n');
    const starting = spawn(process.execPath, [AF_BIN, 'annotate', 'notes.md'], {
      cwd: farm.project,
      env: { ...process.env, NODE_OPTIONS: `--require ${blocker}` },
      stdio: 'ignore',
    });
    try {
      const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
      await store.addAnnotation({
        id: 'ann-starting',
        file: join(farm.project, 'notes.md'),
        port: farm.basePort + 59,
        pid: starting.pid!,
        parent: { type: 'architect' },
      });
      await store.close();
      const opened = await farm.afJson(['annotate', 'notes.md']);
      assert.is(opened.existing, undefined, 'a viewer of its own');
      assert.is.not(opened.id, 'ann-starting');
    } finally {
      starting.kill('SIGKILL');
    }
  },
);

farmTest('the secret: a 0600 file of the user; a planted link or a file others can read is refused', async (farm) => {
  const secret = join(farm.project, '.agent-farm', 'secret');
  const { token } = await annotate(farm);
  assert.is(statSync(secret).mode & 0o777, 0o600);
  assert.is(readFileSync(secret, 'utf8').trim(), token);
  await farm.af(['stop']);

  const planted = join(farm.folder, 'planted-secret');
  writeFileSync(planted, `${'a'.repeat(64)}\n`);
  chmodSync(planted, 0o600);
  rmSync(secret);
  symlinkSync(planted, secret);
  const linked = await farm.af(['annotate', 'notes.md']);
  assert.is(linked.code, 1);
  assert.match(linked.stderr, 'E_UNSAFE_PATH');
  assert.match(linked.stderr, secret);
  assert.ok(lstatSync(secret).isSymbolicLink(), 'the link is left in place');
  assert.equal((await farm.afJson(['status'])).annotations, [], 'nothing was started');

  rmSync(secret);
  writeFileSync(secret, `${'b'.repeat(64)}\n`, { mode: 0o644 });
  chmodSync(secret, 0o644);
  const open = await farm.af(['annotate', 'notes.md']);
  assert.is(open.code, 1);
  assert.match(open.stderr, 'mode 0644');

  // A secret that came with the repository (committed, then cloned with umask 077): its content is public.
  chmodSync(secret, 0o600);
  farm.git('add', '-f', secret);
  farm.git('commit', '-q', '-m', 'a planted secret');
  const committed = await farm.af(['annotate', 'notes.md']);
  assert.is(committed.code, 1);
  assert.match(committed.stderr, 'E_UNSAFE_PATH');
  assert.match(committed.stderr, 'the repository tracks');

  // A named pipe in its place is refused at once, not waited on.
  farm.git('rm', '-q', '--cached', secret);
  rmSync(secret);
  execFileSync('mkfifo', [secret]);
  const pipe = await farm.af(['annotate', 'notes.md']);
  assert.is(pipe.code, 1);
  assert.match(pipe.stderr, 'E_UNSAFE_PATH');
});

test.run();
