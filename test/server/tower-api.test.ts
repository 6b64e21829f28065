// The tower's server through its routes, on real farms: it reads the registry through
// the engine and never creates it (503 with the typed error until a farm starts), it
// refuses a request without its secret, or with a foreign Host or Origin, with none of
// the data; its folder suggestions list folders only; `af tower start` twice gives one
// tower, `af tower stop` ends it; its files are the user's alone, never written
// through a planted link; a farm started and stopped through the routes runs nothing
// of its folder's name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { httpRequest } from '../helpers/http.js';
import { CONFIG, startFarm, towerTest } from '../helpers/tower.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

towerTest(
  'before any farm the tower answers 503 E_NO_DATABASE and creates no registry; then it lists the farm',
  async ({ globalDir, farms, startTower }) => {
    const url = await startTower();
    const { port, searchParams } = new URL(url);
    const bearer = { Authorization: `Bearer ${searchParams.get('token')}` };
    const empty = await httpRequest(Number(port), '/api/status', { headers: bearer });
    assert.is(empty.status, 503, empty.body);
    assert.is(JSON.parse(empty.body).error.code, 'E_NO_DATABASE');
    assert.not.ok(existsSync(join(globalDir, 'global.db')), 'the tower created no global.db');
    assert.is(modeOf(globalDir), 0o700);
    for (const file of ['tower-secret', 'tower.json']) assert.is(modeOf(join(globalDir, file)), 0o600, file);

    await startFarm(farms[0]);
    const listed = await httpRequest(Number(port), '/api/status', { headers: bearer });
    assert.is(listed.status, 200, listed.body);
    const [farm, ...others] = JSON.parse(listed.body).instances;
    assert.is(others.length, 0);
    assert.is(farm.projectPath, farms[0].project);
    assert.is(farm.architect.running, true);
    assert.is(farm.dashboard.running, true);

    const again = await startTower();
    assert.is(again, url, 'a second start prints the same URL');
    // The secret deleted, as a farm's may be to get a new one: the next start gives a tower that takes the new one.
    unlinkSync(join(globalDir, 'tower-secret'));
    const renewed = new URL(await startTower());
    assert.is.not(renewed.searchParams.get('token'), searchParams.get('token'));
    const withNew = { Authorization: `Bearer ${renewed.searchParams.get('token')}` };
    assert.is((await httpRequest(Number(port), '/api/status', { headers: withNew })).status, 200);
    assert.is(
      (await httpRequest(Number(port), '/api/status', { headers: bearer })).status,
      401,
      'the old one is refused',
    );
    const record = JSON.parse(readFileSync(join(globalDir, 'tower.json'), 'utf8'));
    assert.is(record.port, Number(port));
    const stopped = await farms[0].af(['tower', 'stop']);
    assert.match(stopped.stdout, `tower (pid ${record.pid}): stopped`);
    assert.not.ok(isProcessAlive(record.pid));
    assert.not.ok(existsSync(join(globalDir, 'tower.json')), 'its record is gone');
    assert.match((await farms[0].af(['tower', 'stop'])).stdout, 'no tower was running');
  },
);

towerTest(
  'two af tower start at once with no secret yet: one tower, one secret, and both printed URLs open it',
  async ({ globalDir, farms, towerPort }) => {
    const starts = await Promise.all(
      [0, 1].map(() => farms[0].af(['tower', 'start', '--port', String(towerPort), '--no-browser', '--json'])),
    );
    for (const start of starts) assert.is(start.code, 0, start.stderr);
    const towers = starts.map((start) => JSON.parse(start.stdout));
    assert.equal(towers.map((tower) => tower.started).sort(), [false, true], 'one started it, the other found it');
    assert.is(towers[0].url, towers[1].url);
    assert.not.match(starts.map((start) => start.stderr).join(''), 'stopped', 'neither stopped the other');
    const record = JSON.parse(readFileSync(join(globalDir, 'tower.json'), 'utf8'));
    assert.ok(isProcessAlive(record.pid));
    for (const tower of towers) {
      assert.is(tower.pid, record.pid);
      const token = new URL(tower.url).searchParams.get('token');
      const status = await httpRequest(towerPort, '/api/status', { headers: { Authorization: `Bearer ${token}` } });
      assert.is(status.status, 503, `the tower answers: ${status.body}`); // no farm yet: no registry
    }
  },
);

towerTest(
  'without the secret, or with a foreign Host or Origin, nothing of the farms is shown',
  async ({ farms, startTower }) => {
    await startFarm(farms[0]);
    const url = await startTower();
    const port = Number(new URL(url).port);
    const token = new URL(url).searchParams.get('token')!;
    const bearer = { Authorization: `Bearer ${token}` };
    const cases: Array<[string, Record<string, string>, number]> = [
      ['no secret', {}, 401],
      ['a wrong secret', { Authorization: `Bearer ${'0'.repeat(64)}` }, 401],
      ['a wrong cookie', { Cookie: `af_secret_${port}=${'1'.repeat(64)}` }, 401],
      [
        "a farm's secret",
        { Authorization: `Bearer ${readFileSync(join(farms[0].project, '.agent-farm', 'secret'), 'utf8').trim()}` },
        401,
      ],
      ['a rebinding host', { ...bearer, Host: `evil.example:${port}` }, 403],
      ['another port', { ...bearer, Host: `127.0.0.1:${port + 1}` }, 403],
      ['a cross-site origin', { ...bearer, Origin: 'http://evil.example' }, 403],
      ['a farm dashboard as origin', { ...bearer, Origin: `http://127.0.0.1:${farms[0].basePort}` }, 403],
    ];
    for (const path of [
      '/',
      '/api/status',
      '/api/events',
      `/api/browse?path=${encodeURIComponent(farms[0].folder)}/`,
    ]) {
      for (const [what, headers, status] of cases) {
        const answer = await httpRequest(port, path, { headers });
        assert.is(answer.status, status, `${what} on ${path}`);
        assert.is(JSON.parse(answer.body).error.code, status === 401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', what);
        assert.not.match(answer.body, farms[0].project, `${what}: no project path`);
        assert.not.match(answer.body, 'alpha', `${what}: no project name`);
      }
    }
    const cookie = `af_secret_${port}=${token}`;
    const forged = await httpRequest(port, '/api/stop', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ basePort: farms[0].basePort }),
    });
    assert.is(forged.status, 403, 'a cookie-carried change without the page origin');
    const fromElsewhere = await httpRequest(port, '/api/launch', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json', Origin: 'http://localhost:4200' },
      body: JSON.stringify({ projectPath: farms[1].project }),
    });
    assert.is(fromElsewhere.status, 403, "another local server's page");
    assert.not.ok(existsSync(join(farms[1].project, '.agent-farm')), 'nothing was started');
    const status = JSON.parse((await httpRequest(port, '/api/status', { headers: bearer })).body);
    assert.is(status.instances[0].architect.running, true, 'the farm still runs');

    const signIn = await httpRequest(port, `/?token=${token}`);
    assert.is(signIn.status, 303);
    assert.is(signIn.headers.location, '/');
    assert.match(String(signIn.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  },
);

towerTest(
  'folder suggestions: folders only, no hidden ones, at most 20, projects first; bad input is refused',
  async ({ folder, farms, startTower }) => {
    await startFarm(farms[0]);
    const url = await startTower();
    const port = Number(new URL(url).port);
    const bearer = { Authorization: `Bearer ${new URL(url).searchParams.get('token')}` };
    const browse = async (path: string) => {
      const answer = await httpRequest(port, `/api/browse?path=${encodeURIComponent(path)}`, { headers: bearer });
      return { status: answer.status, body: JSON.parse(answer.body) };
    };
    const many = join(folder, 'many');
    mkdirSync(many);
    for (let n = 0; n < 30; n++) mkdirSync(join(many, `folder-${String(n).padStart(2, '0')}`));
    mkdirSync(join(many, '.hidden'));
    writeFileSync(join(many, 'a-file'), 'text');
    symlinkSync('/etc', join(many, 'link-to-etc'));
    mkdirSync(join(many, 'folder-29', 'codev'));
    const listed = (await browse(`${many}/`)).body.suggestions;
    assert.is(listed.length, 20);
    assert.equal(listed[0], { path: join(many, 'folder-29'), isProject: true }, 'projects first');
    assert.ok(
      listed.every((entry: { path: string }) => /\/folder-\d\d$/.test(entry.path)),
      'folders only',
    );
    const prefixed = (await browse(join(many, 'FOLDER-1'))).body.suggestions.map(
      (entry: { path: string }) => entry.path,
    );
    assert.equal(
      prefixed,
      Array.from({ length: 10 }, (_, n) => join(many, `folder-1${n}`)),
      'the typed part, any case',
    );
    assert.equal((await browse(join(many, 'nothing-'))).body.suggestions, []);
    assert.equal((await browse(`${join(many, 'a-file')}/`)).body.suggestions, [], 'a file lists nothing');
    const relative = await browse('relative/path');
    assert.is(relative.status, 400);
    assert.is(relative.body.error.code, 'E_INVALID_INPUT');
    assert.equal((await browse(join(farms[0].folder, 'pro'))).body.suggestions, [
      { path: farms[0].project, isProject: true },
    ]);
    assert.equal(
      (await browse(join(folder, 'ho'))).body.suggestions,
      [{ path: join(folder, 'home'), isProject: false }],
      "the user's own folder of the registry is not a project",
    );

    for (const [body, status] of [
      ['{}', 400],
      ['{"projectPath": 7}', 400],
      ['{"projectPath": "relative"}', 400],
      [JSON.stringify({ projectPath: join(folder, 'missing') }), 404],
      [JSON.stringify({ projectPath: join(many, 'a-file') }), 400],
      ['not json', 400],
    ] as const) {
      const answer = await httpRequest(port, '/api/launch', {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body,
      });
      assert.is(answer.status, status, `${body}: ${answer.body}`);
    }
    const unknown = await httpRequest(port, '/api/stop', {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ basePort: 4 }),
    });
    assert.is(unknown.status, 404, unknown.body);
  },
);

towerTest(
  'a farm started and stopped through the routes, in a folder whose name is hostile, runs nothing of its name',
  async ({ folder, farms, startTower }) => {
    await startFarm(farms[0]);
    const url = await startTower();
    const port = Number(new URL(url).port);
    const headers = {
      Authorization: `Bearer ${new URL(url).searchParams.get('token')}`,
      'Content-Type': 'application/json',
    };
    const hostile = join(folder, 'it\'s "$(touch pwned)" `touch pwned2`; touch pwned3');
    mkdirSync(join(hostile, 'codev'), { recursive: true });
    writeFileSync(join(hostile, 'codev', 'config.json'), JSON.stringify(CONFIG));
    const launched = await httpRequest(port, '/api/launch', {
      method: 'POST',
      headers,
      body: JSON.stringify({ projectPath: hostile }),
    });
    assert.is(launched.status, 200, launched.body);
    const { architect, dashboard } = JSON.parse(launched.body);
    assert.ok(isProcessAlive(architect.pid), 'its architect runs');
    assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    const status = JSON.parse((await httpRequest(port, '/api/status', { headers })).body);
    const entry = status.instances.find((instance: { projectPath: string }) => instance.projectPath === hostile);
    assert.ok(entry, 'the tower lists it');
    assert.is(entry.architect.pid, architect.pid);
    assert.is(entry.dashboard.url, dashboard.url, 'with the URL af start printed');

    // A page that still shows another folder on that block (the registry changed since) stops nothing.
    const stale = await httpRequest(port, '/api/stop', {
      method: 'POST',
      headers,
      body: JSON.stringify({ basePort: entry.basePort, projectPath: farms[0].project }),
    });
    assert.equal([stale.status, JSON.parse(stale.body).error.code], [404, 'E_NOT_FOUND'], stale.body);
    assert.ok(isProcessAlive(architect.pid), 'nothing was stopped');
    const stopped = await httpRequest(port, '/api/stop', {
      method: 'POST',
      headers,
      body: JSON.stringify({ basePort: entry.basePort, projectPath: hostile }),
    });
    assert.is(stopped.status, 200, stopped.body);
    const ended: Array<{ what: string; outcome: string }> = JSON.parse(stopped.body).stopped;
    assert.equal(
      ended.filter((entry) => entry.what === 'architect' || entry.what === 'dashboard').map((entry) => entry.outcome),
      ['stopped', 'stopped'],
      'as af stop: the architect, then the dashboard',
    );
    assert.not.ok(isProcessAlive(architect.pid));
    for (const place of [folder, hostile, join(folder, 'home', '.agent-farm')])
      for (const name of ['pwned', 'pwned2', 'pwned3'])
        assert.not.ok(existsSync(join(place, name)), `${name} in ${place}`);
  },
);

towerTest(
  "links planted for the tower's files are refused and left in place; a folder others can read is tightened",
  async ({ folder, globalDir, farms, startTower }) => {
    mkdirSync(globalDir, { recursive: true, mode: 0o755 });
    chmodSync(globalDir, 0o755);
    const target = join(folder, 'target');
    writeFileSync(target, "not the tower's\n", { mode: 0o600 });
    for (const name of ['tower.json', 'tower-secret']) {
      symlinkSync(target, join(globalDir, name));
      const refused = await farms[0].af(['tower', 'start', '--no-browser']);
      assert.is(refused.code, 1, `${name}: ${refused.stdout}`);
      assert.match(refused.stderr, 'E_UNSAFE_PATH');
      assert.ok(lstatSync(join(globalDir, name)).isSymbolicLink(), 'the link is left');
      assert.is(readFileSync(target, 'utf8'), "not the tower's\n", 'nothing written through it');
      unlinkSync(join(globalDir, name));
    }
    await startTower();
    assert.is(modeOf(globalDir), 0o700);
  },
);

test.run();
