// Hub ids, URLs and model folders from an attacker (tests/hub/hostile-server.ts on 127.0.0.1): headers naming
// paths out of the cache, crafted commits and revisions, non-hash ETags, endless, oversized and cut bodies,
// redirect loops and redirects to other origins, errors half-way, modules.json and weight_map naming files out
// of the model. Each attack runs in a fresh temp folder holding the cache deep inside (T/a/b/c/cache) and canary
// files around it; each test asserts that nothing outside the cache changed (every entry's type, size and
// content), that the cache holds only its own layout (blobs that hash to their names, links that stay in), that
// the token reached only the endpoint's origin, and that the error is one line naming the header and server (or
// the file). Memory is sampled around the oversized bodies.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCheckpoint, loadCheckpoint } from '../../src/lab.ts';
import { openCheckpointSource } from '../../src/model/source.ts';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.ts';
import { COMMIT, gitSha1, sha256, startHostileHub, stream, type HostileHub, type Route } from '../hub/hostile-server.ts';

const TINY = { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 32 } as const;
const MODEL = generateCheckpoint({ architecture: 'BertModel', ...TINY });
const SHARDED = generateCheckpoint({ architecture: 'BertModel', ...TINY, shards: 2 });
const TOKEN = 'hf_hostile_test_token_0123456789';
const ID = 'acme/evil';
const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

let hub: HostileHub;
before(async () => {
  hub = await startHostileHub();
});
after(() => hub?.close());

/** A temp folder: T/a/b/c/cache (the hub cache), canaries beside every level, T/outside for attack targets. */
interface Area {
  root: string;
  cache: string;
  repo: string;
  /** A file outside the cache, before the snapshot is taken. */
  plant(rel: string, content?: string): Promise<string>;
  /** `target` (a path in the area) relative to `from` inside the repo: the traversal string a header would carry. */
  escape(fromInRepo: string, target: string): string;
}

async function makeArea(): Promise<Area> {
  const root = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-hostile-'));
  const cache = path.join(root, 'a', 'b', 'c', 'cache');
  await mkdir(cache, { recursive: true });
  const area: Area = {
    root, cache, repo: path.join(cache, `models--${ID.replace('/', '--')}`),
    async plant(rel, content = 'canary: must stay as it is') {
      const p = path.join(root, rel);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, content);
      return p;
    },
    escape: (from, target) => path.relative(path.join(area.repo, from), target),
  };
  for (const rel of ['outside/canary.txt', 'a/canary.txt', 'a/b/canary.txt', 'a/b/c/canary.txt']) await area.plant(rel);
  return area;
}

/** Every entry under `dir` but `skip`: type, size and content hash, or link target. */
async function fsState(dir: string, skip: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const p = path.join(d, name);
      if (p === skip) continue;
      const info = await lstat(p);
      const rel = path.relative(dir, p);
      if (info.isSymbolicLink()) out.set(rel, `link -> ${await readlink(p)}`);
      else if (info.isDirectory()) {
        out.set(rel, 'dir');
        await visit(p);
      } else out.set(rel, `file ${info.size} ${createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 16)}`);
    }
  };
  await visit(dir);
  return out;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) if (before.get(k) !== v) out.push(`${before.has(k) ? 'changed' : 'created'} ${k} (${v})`);
  for (const [k, v] of before) if (!after.has(k)) out.push(`deleted ${k} (was ${v})`);
  return out;
}

const LAYOUT = /^models--[\w.-]+--[\w.-]+(\/(blobs(\/[0-9a-f]{40}|\/[0-9a-f]{64})?|snapshots(\/[0-9a-f]{40}(\/[^/]+)*)?|refs(\/[\w.-]+)*|\.no_exist(\/[0-9a-f]{40}(\/[^/]+)*)?))?$/;

/** What is wrong with the cache: entries outside huggingface_hub's layout, links that lead out, blobs that do not hash to their names. */
async function cacheProblems(cache: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [rel, what] of await fsState(cache, '')) {
    const p = path.join(cache, rel);
    if (!LAYOUT.test(rel.split(path.sep).join('/'))) problems.push(`unexpected ${rel} (${what})`);
    if (what.startsWith('link')) {
      const to = path.resolve(path.dirname(p), await readlink(p));
      if (path.relative(cache, to).startsWith('..')) problems.push(`${rel} links out to ${to}`);
    }
    const blob = /blobs\/([0-9a-f]+)$/.exec(rel.split(path.sep).join('/'));
    if (blob && what.startsWith('file')) {
      const bytes = new Uint8Array(await readFile(p));
      if ((blob[1].length === 64 ? sha256(bytes) : gitSha1(bytes)) !== blob[1]) problems.push(`blob ${rel} does not hash to its name`);
    }
  }
  return problems;
}

interface Outcome {
  error?: Error;
  area: Area;
}

/**
 * Runs `load` (the hub options for this area given) against the attack `route` serving `files`, and checks
 * what every attack must leave true: nothing outside the cache changed, the cache is only its layout, the token
 * went nowhere but the endpoint's origin.
 */
async function underAttack(
  files: Map<string, Uint8Array>, route: Route | undefined,
  load: (hub: { endpoint: string; cacheDir: string; token: string }) => Promise<unknown>,
  prepare?: (area: Area) => Promise<void>,
): Promise<Outcome> {
  const area = await makeArea();
  try {
    await prepare?.(area);
    hub.reset(files, route);
    const before = await fsState(area.root, area.cache);
    let error: Error | undefined;
    try {
      await load({ endpoint: hub.endpoint, cacheDir: area.cache, token: TOKEN });
    } catch (e) {
      error = e as Error;
    }
    assert.deepEqual(changes(before, await fsState(area.root, area.cache)), [], `nothing outside the cache changes${error ? ` (error: ${error.message})` : ''}`);
    assert.deepEqual(await cacheProblems(area.cache), [], 'the cache holds only its own layout');
    const endpointHost = new URL(hub.endpoint).host;
    const leaks = hub.seen.filter((s) => s.authorization !== undefined && s.host !== endpointHost);
    assert.deepEqual(leaks, [], 'the token reaches only the endpoint origin');
    return { error, area };
  } finally {
    await rm(area.root, { recursive: true, force: true });
  }
}

/** A one-line user error, no stack, no token, matching `pattern`. */
function oneLineError(outcome: Outcome, pattern: RegExp): void {
  const e = outcome.error;
  assert.ok(e, 'the load fails');
  assert.equal(e.name, 'CheckpointError', `${e.name}: ${e.message}`);
  assert.ok(!/[\r\n]/.test(e.message), `one line: ${JSON.stringify(e.message)}`);
  assert.ok(!e.message.includes(TOKEN), 'the token is not in the message');
  assert.match(e.message, pattern);
}

const fromHub = (extra: object = {}) => (h: object) => loadCheckpoint(ID, { hub: { ...h, ...extra } });
const SERVER = String.raw`from http://127\.0\.0\.1:\d+ `;
const file = (url: URL) => decodeURIComponent(url.pathname.split('/resolve/')[1]?.split('/').slice(1).join('/') ?? '');

describe('headers that name paths', () => {
  test('an ETag of ../../x on a small file: refused, naming the header and the server; nothing written', async () => {
    let target = '';
    const o = await underAttack(MODEL, (req, res, url) => {
      if (file(url) !== 'config.json') return false;
      res.writeHead(200, { 'X-Repo-Commit': COMMIT, ETag: `"${target}"`, 'Content-Length': String(MODEL.get('config.json')!.length) });
      res.end(req.method === 'HEAD' ? undefined : MODEL.get('config.json'));
      return true;
    }, fromHub(), async (area) => {
      target = area.escape('blobs', path.join(area.root, 'outside', 'etag-target'));
    });
    oneLineError(o, new RegExp(`^config\\.json: ETag "\\\\"(\\.\\./)+outside/etag-target\\\\"" ${SERVER}.* is not a 40- or 64-hex blob hash`));
  });

  test('an X-Linked-Etag of ../../x on the LFS redirect: refused', async () => {
    let target = '';
    const o = await underAttack(MODEL, (_req, res, url, h) => {
      if (file(url) !== 'model.safetensors') return false;
      const body = MODEL.get('model.safetensors')!;
      res.writeHead(302, { Location: h.cdnUrl('model.safetensors'), 'X-Repo-Commit': COMMIT, 'X-Linked-Etag': target, 'X-Linked-Size': String(body.length) });
      res.end();
      return true;
    }, fromHub(), async (area) => {
      target = area.escape('blobs', path.join(area.root, 'outside', 'linked-target'));
    });
    oneLineError(o, new RegExp(`^model\\.safetensors: X-Linked-Etag "(\\.\\./)+outside/linked-target" ${SERVER}`));
  });

  test('an X-Repo-Commit of ../../x: refused, no snapshot link outside', async () => {
    let commit = '';
    const o = await underAttack(MODEL, (req, res, url) => {
      if (file(url) !== 'config.json') return false;
      const body = MODEL.get('config.json')!;
      res.writeHead(200, { 'X-Repo-Commit': commit, ETag: `"${gitSha1(body)}"`, 'Content-Length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }, fromHub(), async (area) => {
      commit = area.escape('snapshots', path.join(area.root, 'outside', 'snapshot'));
      await area.plant('outside/snapshot/config.json', 'precious');
    });
    oneLineError(o, new RegExp(`^config\\.json: X-Repo-Commit "(\\.\\./)+outside/snapshot" ${SERVER}.*is not a commit hash`));
  });

  test('a 404 with a crafted X-Repo-Commit does not truncate the file it names', async () => {
    let commit = '';
    const o = await underAttack(MODEL, (_req, res, url) => {
      if (file(url) !== 'model.safetensors') return false;
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': commit });
      res.end();
      return true;
    }, fromHub(), async (area) => {
      commit = area.escape('.no_exist', path.join(area.root, 'outside', 'victim'));
      await area.plant('outside/victim/model.safetensors', 'precious');
    });
    oneLineError(o, new RegExp(`^model\\.safetensors: X-Repo-Commit "(\\.\\./)+outside/victim" ${SERVER}`));
  });

  test('a 302 with a crafted commit does not replace a file outside by a link', async () => {
    let commit = '';
    const o = await underAttack(MODEL, (_req, res, url, h) => {
      if (file(url) !== 'model.safetensors') return false;
      const body = MODEL.get('model.safetensors')!;
      res.writeHead(302, { Location: h.cdnUrl('model.safetensors'), 'X-Repo-Commit': commit, 'X-Linked-Etag': `"${sha256(body)}"`, 'X-Linked-Size': String(body.length) });
      res.end();
      return true;
    }, fromHub(), async (area) => {
      commit = area.escape('snapshots', path.join(area.root, 'outside', 'victim'));
      await area.plant('outside/victim/model.safetensors', 'precious');
    });
    oneLineError(o, new RegExp(`^model\\.safetensors: X-Repo-Commit "(\\.\\./)+outside/victim" ${SERVER}`));
  });

  test('non-hash ETags (a plain web server\'s, an empty one, a near-hash) are refused, never "unchecked"', async () => {
    for (const etag of ['"5f3a-61c8e0a1b2c3d"', '""', `"${'g'.repeat(40)}"`, `"${gitSha1(MODEL.get('config.json')!)}0"`]) {
      const o = await underAttack(MODEL, (req, res, url) => {
        if (file(url) !== 'config.json') return false;
        const body = MODEL.get('config.json')!;
        res.writeHead(200, { 'X-Repo-Commit': COMMIT, ETag: etag, 'Content-Length': String(body.length) });
        res.end(req.method === 'HEAD' ? undefined : body);
        return true;
      }, fromHub());
      oneLineError(o, new RegExp(`^config\\.json: ETag .* ${SERVER}.*is not a 40- or 64-hex blob hash`));
    }
  });

  test('crafted revisions are refused before any request or any folder is made', async () => {
    for (const revision of ['../../../../outside/rev', '/abs/rev', 'a\\..\\..\\x', 'C:x', 'http://evil.example/x', 'main\0x', 'a/./b', 'a//b', 'refs/../../x']) {
      const o = await underAttack(MODEL, undefined, fromHub({ revision }));
      oneLineError(o, /^acme\/evil: revision ".*" is not a branch, tag or commit: /);
      assert.equal(hub.seen.length, 0, `no request for ${JSON.stringify(revision)}`);
    }
  });

  test('a revision with ../ and a server that names no commit: no snapshot folder outside', async () => {
    // The old fallback filed the files under snapshots/{revision}: a traversal when the revision had ../.
    const o = await underAttack(MODEL, (req, res, url) => {
      const body = MODEL.get(file(url));
      if (!body) return false;
      res.writeHead(200, { ETag: `"${gitSha1(body)}"`, 'Content-Length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }, fromHub({ revision: '../../../../../../outside/rev' }));
    oneLineError(o, /revision "(\.\.\/)+outside\/rev" is not a branch, tag or commit: it has a "\.\." segment/);
  });

  test('the commit of the first hop of a same-origin redirect is kept; a crafted one on a later hop is refused', async () => {
    // A renamed repo: the hub's 307 names the commit, the new name's answer does not (or names a crafted one).
    const renamed = (laterCommit?: string): Route => (req, res, url) => {
      if (url.pathname.startsWith('/acme/evil/')) {
        res.writeHead(307, { Location: url.pathname.replace('/acme/evil/', '/acme/renamed/'), 'X-Repo-Commit': COMMIT });
        res.end();
        return true;
      }
      const body = MODEL.get(file(url));
      if (!body || file(url).endsWith('.safetensors')) return false;
      res.writeHead(200, { ETag: `"${gitSha1(body)}"`, 'Content-Length': String(body.length), ...(laterCommit && { 'X-Repo-Commit': laterCommit }) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const area = await makeArea();
    try {
      hub.reset(MODEL, renamed());
      await loadCheckpoint(ID, { hub: { endpoint: hub.endpoint, cacheDir: area.cache, token: TOKEN } });
      assert.deepEqual(await readdir(path.join(area.repo, 'snapshots')), [COMMIT], 'files land under the commit, not under snapshots/main');
      assert.equal((await readFile(path.join(area.repo, 'refs', 'main'), 'utf8')).trim(), COMMIT);
      assert.deepEqual(await cacheProblems(area.cache), []);
    } finally {
      await rm(area.root, { recursive: true, force: true });
    }
    const o = await underAttack(MODEL, renamed('../../../../../../outside/x'), fromHub());
    oneLineError(o, new RegExp(`^config\\.json: X-Repo-Commit "(\\.\\./)+outside/x" ${SERVER}`));
  });
});

describe('a cache planted with links out (an older version, a shared cache)', () => {
  test('neither an online load nor an offline one writes, truncates or reads through them', async () => {
    const area = await makeArea();
    try {
      const outside = (rel: string) => path.join(area.root, 'outside', rel);
      const config = MODEL.get('config.json')!;
      await area.plant('outside/snapdir/keep.txt');
      await area.plant('outside/missing/model.safetensors', 'precious');
      await writeFile(outside('config.json'), config); // a valid config: a read through the link would load it
      await mkdir(path.join(area.repo, 'snapshots'), { recursive: true });
      await mkdir(path.join(area.repo, '.no_exist'), { recursive: true });
      await mkdir(path.join(area.repo, 'refs'), { recursive: true });
      await symlink(outside('snapdir'), path.join(area.repo, 'snapshots', COMMIT));
      await symlink(outside('missing'), path.join(area.repo, '.no_exist', COMMIT));
      await writeFile(path.join(area.repo, 'refs', 'main'), '../../../../../../outside/snapdir');
      await writeFile(path.join(area.repo, 'refs', 'v1'), COMMIT);
      const before = await fsState(area.root, area.cache);

      hub.reset(MODEL, (_req, res, url) => {
        if (file(url) !== 'model.safetensors') return false;
        res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'X-Repo-Commit': COMMIT });
        res.end();
        return true;
      });
      // Online: the server is honest, the links in the cache are not; the files load, nothing is filed through them.
      await assert.rejects(loadCheckpoint(ID, { hub: { endpoint: hub.endpoint, cacheDir: area.cache, token: TOKEN } }), /^CheckpointError: model\.safetensors: not found in acme\/evil@main/);
      assert.deepEqual(changes(before, await fsState(area.root, area.cache)), []);
      // Offline: refs/main names no commit; refs/v1 leads to a snapshot folder outside, with a valid config.json there.
      await symlink(outside('config.json'), outside('snapdir/config.json'));
      const planted = await fsState(area.root, area.cache);
      const offline = (revision: string) => loadCheckpoint(ID, { hub: { endpoint: hub.endpoint, cacheDir: area.cache, offline: true, revision } });
      await assert.rejects(offline('main'), /^CheckpointError: config\.json: not in the cache for acme\/evil@main/);
      await assert.rejects(offline('v1'), /^CheckpointError: acme\/evil: hub cache: \S+\/snapshots\/[0-9a-f]{40} leads out of \S+ \(to \S+\/outside\/snapdir\)$/);
      assert.deepEqual(changes(planted, await fsState(area.root, area.cache)), []);
    } finally {
      await rm(area.root, { recursive: true, force: true });
    }
  });
});

describe('bodies', () => {
  /** Peak RSS growth (MiB) while `run` runs, sampled every 5 ms. */
  async function peakGrowth(run: () => Promise<unknown>): Promise<number> {
    const start = process.memoryUsage().rss;
    let peak = start;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await run();
    } finally {
      clearInterval(timer);
    }
    return (Math.max(peak, process.memoryUsage().rss) - start) / MiB;
  }

  test('a CDN body far past its announced X-Linked-Size (158 KiB announced, 512 MiB sent) is cut off as it passes; memory stays flat', async () => {
    let o: Outcome | undefined;
    const growth = await peakGrowth(async () => {
      o = await underAttack(MODEL, async (_req, res, url) => {
        if (!url.pathname.startsWith('/cdn/')) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        await stream(hub, res, 512 * MiB);
        return true;
      }, fromHub());
    });
    oneLineError(o!, /^model\.safetensors: download of http:\/\/127\.0\.0\.1:\d+\/acme\/evil\/resolve\/main\/model\.safetensors stopped: the server sent more than the \d+ bytes it announced$/);
    assert.ok(hub.sentBytes < 64 * MiB, `the client stopped reading early: ${(hub.sentBytes / MiB).toFixed(1)} MiB sent`);
    assert.ok(growth < 96, `peak RSS growth ${growth.toFixed(1)} MiB`);
  });

  test('an endless body with no length stops at maxDownloadBytes', async () => {
    const o = await underAttack(MODEL, async (req, res, url) => {
      if (file(url) !== 'config.json') return false;
      res.writeHead(200, { 'X-Repo-Commit': COMMIT, ETag: `"${gitSha1(MODEL.get('config.json')!)}"`, 'Transfer-Encoding': 'chunked' });
      if (req.method === 'HEAD') res.end();
      else await stream(hub, res, Infinity);
      return true;
    }, fromHub({ maxDownloadBytes: 4 * MiB }));
    oneLineError(o, /^config\.json: download of \S+ stopped: more than 4194304 bytes, the download limit \(maxDownloadBytes\)$/);
    assert.ok(hub.sentBytes < 64 * MiB, `${(hub.sentBytes / MiB).toFixed(1)} MiB sent`);
  });

  test('an announced size above the default limit (4 GiB) is refused before reading', async () => {
    const o = await underAttack(MODEL, async (_req, res, url, h) => {
      if (file(url) === 'model.safetensors') {
        res.writeHead(302, { Location: h.cdnUrl('model.safetensors'), 'X-Repo-Commit': COMMIT, 'X-Linked-Etag': `"${sha256(MODEL.get('model.safetensors')!)}"`, 'X-Linked-Size': String(5 * 1024 ** 3) });
        res.end();
        return true;
      }
      if (!url.pathname.startsWith('/cdn/')) return false;
      res.writeHead(200, { 'Content-Length': String(5 * 1024 ** 3) });
      await stream(hub, res, Infinity);
      return true;
    }, fromHub());
    oneLineError(o, /^model\.safetensors: \S+ announces 5368709120 bytes, more than the download limit of 4294967296 bytes \(maxDownloadBytes\)$/);
    assert.ok(hub.sentBytes < 64 * MiB, `${(hub.sentBytes / MiB).toFixed(1)} MiB sent`);
  });

  test('URL models are bounded the same way (a Content-Length above the limit, an endless body)', async () => {
    const plain = (cut: 'announced' | 'endless'): Route => async (_req, res, url) => {
      if (url.pathname !== '/plain/config.json') return false;
      res.writeHead(200, cut === 'announced' ? { 'Content-Length': String(3 * MiB) } : { 'Transfer-Encoding': 'chunked' });
      await stream(hub, res, cut === 'announced' ? 3 * MiB : Infinity);
      return true;
    };
    const url = (h: { endpoint: string }) => loadCheckpoint(`${h.endpoint}/plain/`, { hub: { maxDownloadBytes: 2 * MiB } });
    const announced = await underAttack(MODEL, plain('announced'), url);
    oneLineError(announced, /^config\.json: http:\/\/127\.0\.0\.1:\d+\/plain\/config\.json announces 3145728 bytes, more than the download limit of 2097152 bytes \(maxDownloadBytes\)$/);
    const endless = await underAttack(MODEL, plain('endless'), url);
    oneLineError(endless, /^config\.json: download of http:\/\/127\.0\.0\.1:\d+\/plain\/config\.json stopped: more than 2097152 bytes, the download limit \(maxDownloadBytes\)$/);
    assert.ok(hub.sentBytes < 64 * MiB, `${(hub.sentBytes / MiB).toFixed(1)} MiB sent`);
  });

  test('a server that answers nothing, or stops sending half-way, is given up after timeoutMs', async () => {
    let silentHead = true;
    const silent: Route = (req, res, url) => {
      if (file(url) !== 'config.json') return false;
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Length': String(MODEL.get('config.json')!.length) });
        res.write(MODEL.get('config.json')!.subarray(0, 100)); // then nothing, connection open
        return true;
      }
      return req.method === 'HEAD' && silentHead; // taken, never answered
    };
    const head = await underAttack(MODEL, silent, fromHub({ timeoutMs: 1000 }));
    oneLineError(head, /^acme\/evil: cannot reach http:\/\/127\.0\.0\.1:\d+ for \S+: no answer from http:\/\/127\.0\.0\.1:\d+ in 1 s; and config\.json of acme\/evil@main is not in the cache/);
    silentHead = false;
    const body = await underAttack(MODEL, silent, fromHub({ timeoutMs: 1000 }));
    oneLineError(body, /^config\.json: download of \S+ stalled: no data for 1 s after 100 bytes \(timeoutMs\)$/);
    const url = await underAttack(MODEL, (req, res, u) => {
      if (u.pathname !== '/plain/config.json') return false;
      res.writeHead(200, {});
      res.write('{');
      return true;
    }, (h) => loadCheckpoint(`${h.endpoint}/plain/`, { hub: { timeoutMs: 1000 } }));
    oneLineError(url, /^config\.json: download of \S+ stalled: no data for 1 s after 1 bytes \(timeoutMs\)$/);
  });

  test('wrong lengths: short of X-Linked-Size, a Content-Length shorter than the body, a cut connection', async () => {
    const model = MODEL.get('model.safetensors')!;
    const cases: [Route, RegExp][] = [
      [(_req, res, url, h) => {
        if (file(url) !== 'model.safetensors') return false;
        res.writeHead(302, { Location: h.cdnUrl('model.safetensors'), 'X-Repo-Commit': COMMIT, 'X-Linked-Etag': `"${sha256(model)}"`, 'X-Linked-Size': String(model.length + 1000) });
        res.end();
        return true;
      }, new RegExp(`download of \\S+ ended after ${model.length} of ${model.length + 1000} bytes$`)],
      [(_req, res, url) => {
        if (!url.pathname.startsWith('/cdn/')) return false;
        res.writeHead(200, { 'Content-Length': '10' });
        res.end(model); // more than it said: the client reads 10 bytes
        return true;
      }, new RegExp(`download of \\S+ ended after 10 of ${model.length} bytes$`)],
      [async (_req, res, url) => {
        if (!url.pathname.startsWith('/cdn/')) return false;
        res.writeHead(200, { 'Content-Length': String(model.length) });
        res.write(model.subarray(0, 4096));
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return true;
      }, /network error downloading \S+ after \d+ bytes: /],
    ];
    for (const [route, pattern] of cases) oneLineError(await underAttack(MODEL, route, fromHub()), new RegExp(`^model\\.safetensors: ${pattern.source}`));
  });

  test('401, 403 and 5xx half-way through a model: one-line errors, only whole verified files cached', async () => {
    for (const status of [401, 403, 500, 503]) {
      const o = await underAttack(MODEL, (_req, res, url) => {
        if (!url.pathname.startsWith('/cdn/')) return false;
        res.writeHead(status, {});
        res.end('no');
        return true;
      }, fromHub());
      oneLineError(o, new RegExp(`^model\\.safetensors: HTTP ${status} for http://127\\.0\\.0\\.1:\\d+/acme/evil/resolve/main/model\\.safetensors`));
    }
    const o = await underAttack(MODEL, (_req, res, url) => {
      if (file(url) !== 'tokenizer.json') return false;
      res.writeHead(502, {});
      res.end();
      return true;
    }, fromHub());
    oneLineError(o, /^tokenizer\.json: HTTP 502 for /);
  });
});

describe('redirects and the token', () => {
  test('HEAD redirect loops within the hub stop after 5 hops; a CDN redirect loop stops too', async () => {
    const head = await underAttack(MODEL, (_req, res, url) => {
      res.writeHead(302, { Location: url.pathname, 'X-Repo-Commit': COMMIT });
      res.end();
      return true;
    }, fromHub());
    oneLineError(head, /^config\.json: too many redirects resolving \S+ \(more than 5 within http:\/\/127\.0\.0\.1:\d+\)$/);
    const cdn = await underAttack(MODEL, (_req, res, url) => {
      if (!url.pathname.startsWith('/cdn/')) return false;
      res.writeHead(302, { Location: url.pathname });
      res.end();
      return true;
    }, fromHub());
    oneLineError(cdn, /^model\.safetensors: network error downloading \S+: fetch failed: redirect count exceeded$/);
  });

  test('redirects to other origins (HEAD, GET, CDN) never carry the token; a redirect to file: fails', async () => {
    const body = (name: string) => MODEL.get(name)!;
    const steal: Route = (req, res, url) => {
      if (!url.pathname.startsWith('/steal/')) return false;
      const b = body(url.pathname.slice('/steal/'.length));
      res.writeHead(200, { 'Content-Length': String(b.length) });
      res.end(req.method === 'HEAD' ? undefined : b);
      return true;
    };
    // HEAD answered by a redirect to another origin without X-Linked-Etag: taken as the CDN, the GET follows it.
    const viaHead = await underAttack(MODEL, (req, res, url, h) => {
      if (steal(req, res, url, h)) return true;
      if (!url.pathname.includes('/resolve/') || file(url).endsWith('.safetensors')) return false;
      res.writeHead(302, { Location: `${hub.other}/steal/${file(url)}`, 'X-Repo-Commit': COMMIT, ETag: `"${gitSha1(body(file(url)))}"` });
      res.end();
      return true;
    }, fromHub());
    assert.equal(viaHead.error, undefined, String(viaHead.error?.message));
    assert.ok(hub.seen.some((s) => s.host.startsWith('localhost') && s.path.startsWith('/steal/')), 'the other origin was asked');
    assert.ok(hub.seen.some((s) => s.authorization === `Bearer ${TOKEN}`), 'the endpoint got the token');
    // GET (after an honest HEAD) redirected to another origin.
    const viaGet = await underAttack(MODEL, (req, res, url, h) => {
      if (steal(req, res, url, h)) return true;
      if (req.method !== 'GET' || file(url) !== 'config.json') return false;
      res.writeHead(302, { Location: `${hub.other}/steal/config.json` });
      res.end();
      return true;
    }, fromHub());
    assert.equal(viaGet.error, undefined, String(viaGet.error?.message));
    // A redirect out of http(s).
    const toFile = await underAttack(MODEL, (req, res, url) => {
      if (req.method !== 'GET' || file(url) !== 'config.json') return false;
      res.writeHead(302, { Location: 'file:///etc/hostname' });
      res.end();
      return true;
    }, fromHub());
    oneLineError(toFile, /^config\.json: network error downloading \S+: fetch failed/);
  });
});

describe('names a model gives', () => {
  const sentence = (poolingPath: string) => new Map([...MODEL, ['modules.json', text(JSON.stringify([
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: poolingPath, type: 'sentence_transformers.models.Pooling' },
  ]))]]);
  const POOLING = JSON.stringify({ word_embedding_dimension: TINY.hiddenSize, pooling_mode_mean_tokens: true });

  test('modules.json naming ../ through the hub: refused naming modules.json, no request for it, nothing linked outside', async () => {
    const files = new Map<string, Uint8Array>();
    const o = await underAttack(files, undefined, fromHub(), async (area) => {
      for (const [k, v] of sentence(area.escape(`snapshots/${COMMIT}`, path.join(area.root, 'outside', 'pooling')))) files.set(k, v);
      await area.plant('outside/pooling/config.json', POOLING);
    });
    oneLineError(o, /^modules\.json: modules\.json\[1\] \(sentence_transformers\.models\.Pooling\): "path" names "(\.\.\/)+outside\/pooling", not a file name inside the model folder: it has a "\.\." segment$/);
    assert.ok(!hub.seen.some((s) => s.path.includes('pooling')), 'the escaped path was never requested');
  });

  test('modules.json naming ../ in a folder, and other hosts through a URL model: refused before any read or request', async () => {
    const area = await makeArea();
    try {
      const dir = path.join(area.root, 'a', 'model');
      await mkdir(dir, { recursive: true });
      for (const [name, bytes] of sentence('../../outside/pooling')) await writeFile(path.join(dir, name), bytes);
      await area.plant('outside/pooling/config.json', POOLING);
      await assert.rejects(loadCheckpoint(dir), /^CheckpointError: modules\.json: .*"path" names "\.\.\/\.\.\/outside\/pooling", .*"\.\." segment$/);
    } finally {
      await rm(area.root, { recursive: true, force: true });
    }
    for (const other of [`${hub.other}/steal`, `//localhost:${new URL(hub.other).port}/steal`]) {
      const o = await underAttack(sentence(other), (req, res, url, h) => {
        if (!url.pathname.startsWith('/plain/')) return false;
        const b = h.files.get(decodeURIComponent(url.pathname.slice('/plain/'.length)));
        res.writeHead(b ? 200 : 404, b ? { 'Content-Length': String(b.length) } : {});
        res.end(req.method === 'HEAD' ? undefined : b);
        return true;
      }, (h) => loadCheckpoint(`${h.endpoint}/plain/`));
      oneLineError(o, /^modules\.json: .*"path" names ".*steal", not a file name inside the model folder: it (holds a colon|is an absolute path)/);
      assert.ok(!hub.seen.some((s) => s.host.startsWith('localhost')), `no request to another host for ${other}`);
    }
  });

  test('weight_map naming ../ or a number: the loader and quantize refuse it, through the hub and a folder', async () => {
    const index = JSON.parse(new TextDecoder().decode(SHARDED.get('model.safetensors.index.json'))) as { weight_map: Record<string, unknown> };
    const first = Object.keys(index.weight_map)[0];
    const withShard = (shard: unknown) => new Map([...SHARDED, ['model.safetensors.index.json', text(JSON.stringify({ ...index, weight_map: { ...index.weight_map, [first]: shard } }))]]);
    for (const [shard, why] of [['../../../../../../outside/secret.safetensors', /it has a "\.\." segment$/], [7, /it is number, not a string$/]] as const) {
      const files = withShard(shard);
      const viaLoad = await underAttack(files, undefined, fromHub(), async (area) => void (await area.plant('outside/secret.safetensors', 'secret')));
      oneLineError(viaLoad, new RegExp(`^model\\.safetensors\\.index\\.json: weight_map entry "${first.replace(/\./g, '\\.')}" names .*${why.source}`));
      const viaQuantize = await underAttack(files, undefined, async (h) => quantizeCheckpoint(await openCheckpointSource(ID, { hub: h }), 64));
      oneLineError(viaQuantize, why);
      assert.ok(!hub.seen.some((s) => s.path.includes('secret')), 'the shard out of the model was never requested');
    }
    const area = await makeArea();
    try {
      const dir = path.join(area.root, 'a', 'b', 'model');
      await mkdir(dir, { recursive: true });
      for (const [name, bytes] of withShard('../../outside/canary.txt')) await writeFile(path.join(dir, name), bytes);
      await assert.rejects(quantizeCheckpoint(await openCheckpointSource(dir), 64), /^CheckpointError: model\.safetensors\.index\.json: weight_map entry .* names "\.\.\/\.\.\/outside\/canary\.txt", .*"\.\." segment$/);
    } finally {
      await rm(area.root, { recursive: true, force: true });
    }
  });
});
