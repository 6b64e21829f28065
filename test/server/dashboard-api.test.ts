// The dashboard server as `af start` launches it: a real detached process on the
// block's +0 port, real sockets, real `af` commands writing beside it.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';
import { dashboardClient, httpRequest, nextEvent } from '../helpers/http.js';
import type { Overview } from '../../lib/farm/overview-types.js';
import type { DashboardState } from '../../lib/state/types.js';

const LONG = 'sleep 600';
/** A builder gets its prompt as its last argument: the stand-in takes it as its $0 and sleeps. */
const AGENT = `sh -c 'exec ${LONG}'`;
const COMMANDS = ['--architect-cmd', LONG, '--builder-cmd', AGENT, '--shell-cmd', LONG];

/** The farm started, its commands (for the dashboard's routes too) set in codev/config.json. */
async function startFarm(farm: TestFarm) {
  mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
  writeFileSync(join(farm.project, 'codev', 'specs', '0042-login.md'), '# Login\n');
  writeFileSync(
    join(farm.project, 'codev', 'config.json'),
    JSON.stringify({ shell: { architect: LONG, builder: AGENT, shell: LONG } }),
  );
  const started = await farm.afJson(['start', '--no-browser', ...COMMANDS]);
  assert.ok(started.dashboard, 'af start --json names the dashboard');
  return { started, api: dashboardClient(started.dashboard.url) };
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, withinMs = 5000) {
  for (const deadline = Date.now() + withinMs; ; await delay(50)) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) assert.unreachable(`${what} within ${withinMs} ms; last: ${JSON.stringify(value)}`);
  }
}

farmTest(
  'af start prints the URL on a line of its own; the token becomes a cookie; another process spawns and /api/state shows it',
  { tmux: true },
  async (farm) => {
    const start = await farm.af(['start', '--no-browser', ...COMMANDS]);
    assert.is(start.code, 0, start.stderr);
    const url = start.stdout.split('\n').find((line) => line.startsWith('http://'));
    assert.ok(url, start.stdout);
    assert.match(url!, new RegExp(`^http://127\\.0\\.0\\.1:${farm.basePort}/\\?token=[0-9a-f]{64}$`));
    const { port, token } = dashboardClient(url!);
    const first = await httpRequest(port, `/?token=${token}`);
    assert.is(first.status, 303);
    assert.is(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    assert.match(String(first.headers['set-cookie']), 'HttpOnly');
    assert.match(String(first.headers['set-cookie']), 'SameSite=Strict');
    const page = await httpRequest(port, '/', { headers: { Cookie: cookie } });
    assert.is(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), "script-src 'self'");
    assert.match(String(page.headers['content-security-policy']), "frame-ancestors 'none'");
    assert.match(page.body, 'id="initial-overview"');

    const spawned = await farm.afJson(['spawn', '--task', 'from a terminal', ...COMMANDS]);
    const state = JSON.parse((await httpRequest(port, '/api/state', { headers: { Cookie: cookie } })).body);
    assert.equal(Object.keys(state), ['architect', 'builders', 'utils', 'annotations'], 'the native shape');
    assert.equal(
      state.builders.map((builder: { id: string; port: number }) => [builder.id, builder.port]),
      [[spawned.id, spawned.port]],
      'the commit of another process, seen at the request',
    );
    const status = await farm.afJson(['status']);
    assert.is(status.dashboard.port, farm.basePort);
    assert.ok(status.dashboard.alive);
  },
);

farmTest('every route: success, refusal, and a refusal changes nothing', { tmux: true }, async (farm) => {
  const { api } = await startFarm(farm);
  const stateNow = async () => (await api.json('/api/state')).body;

  const shell = await api.json('/api/tabs/shell', { method: 'POST', body: '{"name":"logs"}' });
  assert.is(shell.status, 201, JSON.stringify(shell.body));
  assert.equal(Object.keys(shell.body).sort(), ['id', 'name', 'port']);
  assert.is(shell.body.name, 'logs');
  const shellSession = (await stateNow()).utils[0].tmuxSession;
  assert.ok(farm.tmuxSessions().includes(shellSession), 'the shell runs in its tmux session');

  writeFileSync(join(farm.project, 'notes.md'), '\nthe notes </pre><script>alert(1)</script> & "more"\n');
  const file = await api.json('/api/tabs/file', { method: 'POST', body: '{"path":"notes.md"}' });
  assert.is(file.status, 201, JSON.stringify(file.body));
  const again = await api.json('/api/tabs/file', {
    method: 'POST',
    body: JSON.stringify({ path: join(farm.project, 'notes.md') }),
  });
  assert.equal([again.status, again.body.id, again.body.existing], [200, file.body.id, true]);
  const text = await api.call(`/file/${file.body.id}`);
  assert.is(text.status, 200);
  assert.match(String(text.headers['content-type']), 'text/html');
  const shown = /<pre>\n([\s\S]*)<\/pre><\/body>/.exec(text.body)?.[1];
  assert.is(
    shown,
    '\nthe notes &#60;/pre&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;more&#34;\n',
    "the file's text, every character as text",
  );
  assert.not.match(text.body, '<script', 'no markup of the file survives');
  assert.match(String(text.headers['content-security-policy']), 'sandbox');

  const builder = await api.json('/api/tabs/builder', { method: 'POST', body: '{"projectId":"0042"}' });
  assert.is(builder.status, 201, JSON.stringify(builder.body));
  assert.equal([builder.body.id, builder.body.type, builder.body.branch], ['0042', 'spec', 'builder/0042']);
  const existing = await api.json('/api/tabs/builder', { method: 'POST', body: '{"projectId":"0042"}' });
  assert.equal([existing.status, existing.body.pid], [200, builder.body.pid]);
  for (const file of ['a.ts', 'b.ts']) writeFileSync(join(farm.project, file), '// listed in a task\n');
  const task = await api.json('/api/tabs/builder', {
    method: 'POST',
    body: JSON.stringify({ mode: 'task', task: 'Fix "it"; $(nothing runs)', files: 'a.ts, b.ts' }),
  });
  assert.is(task.status, 201, JSON.stringify(task.body));
  assert.equal([task.body.type, task.body.taskText], ['task', 'Fix "it"; $(nothing runs)']);
  const overview = (await api.json('/api/overview')).body as Overview;
  assert.match(
    overview.tabs.find((tab) => tab.id === `builder-${task.body.id}`)!.builder!.instructions!,
    /Fix "it"; \$\(nothing runs\)\n\nRelevant files to consider:\n- a\.ts\n- b\.ts$/,
    "the builder's instructions, for its card",
  );

  // The farm's own folder (the secret, the logs), named or reached through links.
  symlinkSync(join(farm.project, '.agent-farm', 'secret'), join(farm.project, 'innocent.txt'));
  symlinkSync(join(farm.project, '.agent-farm'), join(farm.project, 'innocent-folder'));
  const before = await stateNow();
  const refusals: Array<[string, string, string | undefined, number, string]> = [
    ['POST', '/api/tabs/shell', '{"name":"x; rm -rf ~"}', 400, 'E_INVALID_INPUT'],
    ['POST', '/api/tabs/shell', JSON.stringify({ name: 'evil\u001b[31mRED\nline' }), 400, 'E_INVALID_INPUT'],
    ['POST', '/api/send', '{"to":"../0042","message":"hi"}', 400, 'E_INVALID_INPUT'],
    ['POST', '/api/tabs/shell', '{"name":', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/shell', '[1]', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/builder', '{"projectId":"../../etc"}', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/builder', '{}', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/builder', '{"projectId":"9999"}', 404, 'E_SPEC_NOT_FOUND'],
    ['POST', '/api/tabs/builder', '{"mode":"protocol","protocol":"nope"}', 404, 'E_PROTOCOL_NOT_FOUND'],
    ['POST', '/api/tabs/builder', '{"mode":"task","task":""}', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/builder', '{"mode":"everything"}', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/builder', '{"mode":"task","task":"x","files":"a.ts, nosuch.ts"}', 400, 'E_INVALID_INPUT'],
    ['POST', '/api/tabs/builder', '{"mode":"task","task":"x","files":["../outside.md"]}', 400, 'E_INVALID_INPUT'],
    ['POST', '/api/builders/0042/restart', '{}', 400, 'E_INVALID_INPUT'],
    ['POST', '/api/builders/9999/restart', '{}', 404, 'E_BUILDER_NOT_FOUND'],
    ['POST', '/api/builders/9999/cleanup', '{}', 404, 'E_BUILDER_NOT_FOUND'],
    ['POST', '/api/builders/0042/rename', '{}', 404, 'E_NOT_FOUND'],
    ['POST', '/api/send', '{"to":"9999","message":"hi"}', 404, 'E_BUILDER_NOT_FOUND'],
    ['POST', '/api/send', '{"to":"0042"}', 400, 'E_BAD_REQUEST'],
    ['POST', '/api/tabs/file', '{"path":"/etc/passwd"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":"no-such-file.md"}', 404, 'E_NOT_FOUND'],
    ['POST', '/api/tabs/file', '{"path":"/no/such/file/outside"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":"../outside.md"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":".agent-farm/secret"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":"./x/../.agent-farm/logs/dashboard.log"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":"innocent.txt"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/file', '{"path":"innocent-folder/secret"}', 403, 'E_FORBIDDEN'],
    ['POST', '/api/tabs/shell', JSON.stringify({ name: 'x'.repeat(70 * 1024) }), 413, 'E_TOO_LARGE'],
    ['DELETE', '/api/tabs/shell-util-000000', undefined, 404, 'E_NOT_FOUND'],
    ['DELETE', '/api/tabs/shell-$(reboot)', undefined, 400, 'E_BAD_REQUEST'],
    ['DELETE', '/api/tabs/architect', undefined, 400, 'E_BAD_REQUEST'],
    ['DELETE', '/api/tabs/%E0%A4%A', undefined, 400, 'E_BAD_REQUEST'],
    ['GET', '/api/no-such-route', undefined, 404, 'E_NOT_FOUND'],
    ['PUT', '/api/state', '{}', 405, 'E_METHOD_NOT_ALLOWED'],
    ['GET', '/no-such-page', undefined, 404, 'E_NOT_FOUND'],
  ];
  for (const [method, path, body, status, code] of refusals) {
    const answer = await api.call(path, { method, ...(body === undefined ? {} : { body }) });
    assert.is(answer.status, status, `${method} ${path}: ${answer.body}`);
    assert.is(JSON.parse(answer.body).error.code, code, `${method} ${path}`);
    assert.ok(JSON.parse(answer.body).error.message.length > 10, 'a message that says what to do');
    if (/secret|innocent|\.agent-farm/.test(body ?? ''))
      assert.match(JSON.parse(answer.body).error.message, "the farm's own folder", `${body}: says why`);
  }
  const notJson = await api.call('/api/tabs/shell', {
    method: 'POST',
    body: '{}',
    headers: { 'Content-Type': 'text/plain' },
  });
  assert.is(notJson.status, 415);
  assert.equal(await stateNow(), before, 'no refusal changed the state');

  assert.equal((await api.json(`/api/tabs/shell-${shell.body.id}`, { method: 'DELETE' })).status, 200);
  assert.equal((await api.json(`/api/tabs/file-${file.body.id}`, { method: 'DELETE' })).status, 200);
  // An ended builder: Restart starts it again, as af spawn --resume; Clean up removes it, as af cleanup.
  process.kill(-task.body.pid, 'SIGKILL');
  await eventually(stateNow, () => !isProcessAlive(task.body.pid), 'the task builder ended');
  const restarted = await api.json(`/api/builders/${task.body.id}/restart`, { method: 'POST', body: '{}' });
  assert.is(restarted.status, 200, JSON.stringify(restarted.body));
  assert.equal([restarted.body.id, restarted.body.port], [task.body.id, task.body.port]);
  assert.ok(isProcessAlive(restarted.body.pid), 'running again');
  const cleaned = await api.json(`/api/builders/${task.body.id}/cleanup`, { method: 'POST', body: '{}' });
  assert.is(cleaned.status, 200, JSON.stringify(cleaned.body));
  assert.not.ok(existsSync(task.body.worktree), 'its worktree removed');
  const stopped = await api.json('/api/tabs/builder-0042', { method: 'DELETE' });
  assert.is(stopped.status, 200);
  assert.equal(stopped.body.left, {
    worktree: builder.body.worktree,
    branch: 'builder/0042',
    remove: 'af cleanup --project 0042',
  });
  const after = await stateNow();
  assert.equal([after.utils, after.annotations, after.builders], [[], [], []]);
  assert.not.ok(farm.tmuxSessions().includes(shellSession), "the shell's session ended");
  assert.not.ok(isProcessAlive(builder.body.pid), "the builder's process ended");
});

farmTest(
  'the tab limit: of 21 tabs asked at once, 20 open and one is refused with 429',
  { tmux: true },
  async (farm) => {
    const { api } = await startFarm(farm);
    for (let i = 0; i < 5; i++) writeFileSync(join(farm.project, `notes${i}.md`), `notes ${i}\n`);
    // 16 shells and 5 files: the utils range has room for all 16, so only the tab limit can refuse one.
    const asked = await Promise.all([
      ...Array.from({ length: 16 }, (_, i) =>
        api.json('/api/tabs/shell', { method: 'POST', body: `{"name":"s${i}"}` }),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        api.json('/api/tabs/file', { method: 'POST', body: JSON.stringify({ path: `notes${i}.md` }) }),
      ),
    ]);
    const statuses = asked.map((answer) => answer.status).sort();
    assert.equal(statuses, [...Array(20).fill(201), 429], JSON.stringify(asked.filter((a) => a.status !== 201)));
    assert.is(asked.find((answer) => answer.status === 429)!.body.error.code, 'E_TOO_MANY_TABS');
    const state = (await api.json('/api/state')).body;
    assert.is(state.utils.length + state.annotations.length, 20, 'nothing was started for the refused one');
    const sessions = farm.tmuxSessions().length;
    const refused = await api.json('/api/tabs/shell', { method: 'POST', body: '{}' });
    assert.equal([refused.status, refused.body.error.code], [429, 'E_TOO_MANY_TABS']);
    assert.is(farm.tmuxSessions().length, sessions, 'no session started');

    // The CLI has no limit: with 22 open, the refusal says 22, not the limit.
    for (let i = 0; i < 2; i++) await farm.afJson(['util', ...COMMANDS]);
    const past = await api.json('/api/tabs/shell', { method: 'POST', body: '{}' });
    assert.is(past.status, 429);
    assert.match(
      past.body.error.message,
      /^the farm has 22 tabs open; the dashboard opens at most 20: close some first/,
    );
  },
);

farmTest('Host, Origin and secret refusals carry none of the data', { tmux: true }, async (farm) => {
  const { api, started } = await startFarm(farm);
  const port = api.port;
  const bearer = { Authorization: `Bearer ${api.token}` };
  const cases: Array<[string, Record<string, string>, number]> = [
    ['no secret', {}, 401],
    ['a wrong secret', { Authorization: `Bearer ${'0'.repeat(64)}` }, 401],
    ['a wrong cookie', { Cookie: `af_secret_${port}=${'1'.repeat(64)}` }, 401],
    ['a rebinding host', { ...bearer, Host: `evil.example:${port}` }, 403],
    ['another port', { ...bearer, Host: `127.0.0.1:${port + 1}` }, 403],
    ['a cross-site origin', { ...bearer, Origin: 'http://evil.example' }, 403],
    ['a localhost origin on another port', { ...bearer, Origin: `http://localhost:${port + 1}` }, 403],
  ];
  for (const path of ['/api/state', '/api/overview', '/', '/assets/dashboard.js', '/api/events']) {
    for (const [what, headers, status] of cases) {
      const answer = await httpRequest(port, path, { headers });
      assert.is(answer.status, status, `${what} on ${path}`);
      assert.is(JSON.parse(answer.body).error.code, status === 401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', what);
      assert.not.match(answer.body, LONG, `${what}: nothing of the state`);
      assert.not.match(answer.body, String(started.pid), `${what}: nothing of the state`);
    }
  }
  const cookie = `af_secret_${port}=${api.token}`;
  const forged = await httpRequest(port, '/api/tabs/shell', {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.is(forged.status, 403, 'a cookie-carried change without the page origin');
  const fromPage = await httpRequest(port, '/api/tabs/shell', {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${port}` },
    body: '{}',
  });
  assert.is(fromPage.status, 201, fromPage.body);
});

farmTest(
  'the event stream pushes a change made by another process, to every listener',
  { tmux: true },
  async (farm) => {
    const { api } = await startFarm(farm);
    const headers = { Authorization: `Bearer ${api.token}` };
    const sawBuilder = (overview: Overview) =>
      overview.tabs.some((tab) => tab.id === 'builder-task-1' && tab.builder?.status === 'implementing');
    const listeners = Array.from({ length: 5 }, () => nextEvent(api.port, '/api/events', headers, sawBuilder, 15_000));
    // 45 more pages that only listen: 50 in all, and the server still answers at once.
    const idle = Array.from({ length: 45 }, () =>
      request({ host: '127.0.0.1', port: api.port, path: '/api/events', headers }).on('error', () => undefined),
    );
    for (const stream of idle) stream.end();
    await delay(500);
    assert.is((await api.call('/api/state')).status, 200, 'answering with 50 streams open');
    const spawnedAt = Date.now();
    await farm.afJson(['spawn', '--task', 'pushed', ...COMMANDS]);
    const seen = await Promise.all(listeners);
    assert.ok(Date.now() - spawnedAt < 10_000);
    for (const stream of idle) stream.destroy();
    for (const overview of seen) {
      const tab = overview.tabs.find((entry) => entry.id === 'builder-task-1')!;
      assert.equal([tab.kind, tab.alive, tab.builder!.status], ['builder', true, 'implementing']);
      assert.match(tab.terminal!.attach, /^tmux attach -t /);
    }
  },
);

farmTest(
  '10 parallel af spawn while 5 clients poll: every builder, every port once, every poll answered',
  { tmux: true },
  async (farm) => {
    const { api } = await startFarm(farm);
    let polling = true;
    const polls = Array.from({ length: 5 }, async () => {
      const statuses: number[] = [];
      while (polling) statuses.push((await api.call('/api/state')).status);
      return statuses;
    });
    const spawns = await Promise.all(
      Array.from({ length: 10 }, (_, i) => farm.afJson(['spawn', '--task', `task ${i}`, ...COMMANDS])),
    );
    const state = await eventually(
      async () => (await api.json('/api/state')).body,
      (value: DashboardState) => value.builders.length === 10,
      'the ten builders',
    );
    polling = false;
    for (const statuses of await Promise.all(polls)) {
      assert.ok(statuses.length > 0);
      assert.equal([...new Set(statuses)], [200], 'every poll answered');
    }
    const ports = state.builders.map((builder) => builder.port);
    assert.is(new Set(ports).size, 10, 'no port twice');
    assert.equal(ports.sort(), spawns.map((builder) => builder.port).sort());
  },
);

farmTest(
  'af db reset and a corrupt state.db answer 503 with the typed error; the server recovers by itself',
  { tmux: true },
  async (farm) => {
    const { api } = await startFarm(farm);
    const reset = await farm.af(['db', 'reset', '--force']);
    assert.is(reset.code, 0, reset.stderr);
    const missing = await api.json('/api/state');
    assert.equal([missing.status, missing.body.error.code], [503, 'E_NO_DATABASE']);
    const overview = await api.json('/api/overview');
    assert.equal([overview.status, overview.body.problem.code], [200, 'E_NO_DATABASE']);
    assert.not.ok(existsSync(join(farm.project, '.agent-farm', 'state.db')), 'the server creates no state.db');

    await farm.afJson(['spawn', '--task', 'after the reset', ...COMMANDS]);
    const back = await eventually(
      () => api.json('/api/state'),
      (answer) => answer.status === 200,
      'the state again',
    );
    assert.is(back.body.builders.length, 1);

    const db = join(farm.project, '.agent-farm', 'state.db');
    const good = readFileSync(db);
    await farm.af(['stop']).then(() => undefined);
    const { api: second } = await startFarm(farm);
    const saved = readFileSync(db);
    writeFileSync(db, Buffer.concat([Buffer.from('this is not a database at all'), Buffer.alloc(4096)]));
    const broken = await eventually(
      () => second.json('/api/state'),
      (answer) => answer.status !== 200,
      'a refusal',
    );
    assert.is(broken.status, 503);
    assert.ok(['E_NOT_SQLITE', 'E_CORRUPT'].includes(broken.body.error.code), broken.body.error.code);
    const shell = await second.json('/api/tabs/shell', { method: 'POST', body: '{}' });
    assert.is(shell.status, 503, 'nothing is started on a state that cannot be read');
    writeFileSync(db, saved);
    const fixed = await eventually(
      () => second.json('/api/state'),
      (answer) => answer.status === 200,
      'recovery',
    );
    assert.ok(fixed.body.architect, 'the state as it was');
    assert.ok(good.length > 0);
  },
);

farmTest(
  'af stop ends the dashboard; af dashboard starts it again; POST /api/stop ends the farm and then the server',
  { tmux: true },
  async (farm) => {
    const { started } = await startFarm(farm);
    const pid = started.dashboard.pid;
    const stop = await farm.af(['stop']);
    assert.is(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, `dashboard (pid ${pid}): stopped`);
    assert.not.ok(isProcessAlive(pid));
    assert.is((await farm.afJson(['status'])).dashboard, null, 'its record is gone');

    await farm.afJson(['start', '--no-browser', ...COMMANDS]);
    const dashboard = await farm.afJson(['dashboard', '--no-browser']);
    assert.is(dashboard.started, false, 'the one af start launched');
    process.kill(dashboard.pid, 'SIGKILL');
    await eventually(
      async () => isProcessAlive(dashboard.pid),
      (alive) => !alive,
      'the kill',
    );
    const revived = await farm.afJson(['dashboard', '--no-browser']);
    assert.is(revived.started, true);
    assert.is.not(revived.pid, dashboard.pid);
    const api = dashboardClient(revived.url);
    assert.is((await api.call('/api/state')).status, 200);

    const stopped = await api.json('/api/stop', { method: 'POST', body: '{}' });
    assert.is(stopped.status, 200);
    assert.ok(stopped.body.stopped.some((entry: { what: string }) => entry.what === 'architect'));
    await eventually(
      async () => isProcessAlive(revived.pid),
      (alive) => !alive,
      'the server ends last',
    );
    assert.equal(farm.tmuxSessions(), [], 'every session ended');
    assert.is((await farm.afJson(['status'])).architect, null);
  },
);

farmTest(
  'a terminal socket needs the secret, a loopback Host and the page origin; an unknown tab is refused',
  { tmux: true },
  async (farm) => {
    const { api } = await startFarm(farm);
    const origin = `http://127.0.0.1:${api.port}`;
    const cookie = `af_secret_${api.port}=${api.token}`;
    const codes = new Map<number, string>();
    /** The status the upgrade was answered with (its error's code kept in `codes`), or 101 when the socket opened. */
    const upgrade = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${api.port}${path}`, { headers });
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('unexpected-response', (_request, response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => {
            codes.set(response.statusCode ?? 0, JSON.parse(body).error.code);
            resolve(response.statusCode ?? 0);
          });
        });
        socket.on('error', () => resolve(0));
      });
    const architect = '/terminal/architect/socket';
    assert.is(await upgrade(architect, { Origin: origin }), 401, 'no secret');
    assert.is(await upgrade(architect, { Origin: origin, Cookie: `af_secret_${api.port}=${'2'.repeat(64)}` }), 401);
    assert.is(await upgrade(architect, { Origin: 'http://evil.example', Cookie: cookie }), 403, 'a cross-site page');
    assert.is(await upgrade(architect, { Cookie: cookie }), 403, 'a cookie without the page origin');
    assert.is(await upgrade(architect, { Origin: origin, Cookie: cookie, Host: `evil.example:${api.port}` }), 403);
    assert.is(await upgrade('/terminal/builder-nope/socket', { Origin: origin, Cookie: cookie }), 404);
    assert.is(
      await upgrade('/terminal/file-x/socket', { Origin: origin, Cookie: cookie }),
      404,
      'a file is no terminal',
    );
    assert.equal(Object.fromEntries(codes), { 401: 'E_UNAUTHORIZED', 403: 'E_FORBIDDEN', 404: 'E_NOT_FOUND' });
    assert.is(await upgrade(architect, { Origin: origin, Cookie: cookie }), 101, "the page's own socket opens");
    const page = await api.call('/terminal/architect');
    assert.is(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), "frame-ancestors 'self'");
  },
);

test.run();
