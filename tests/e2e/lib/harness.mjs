// Shared helpers for the browser tests: our binaries, a real victoria-metrics, and Debian's
// chromium driven by playwright-core. Every process started here is stopped by stopAll().
// Servers choose their own port (":0"); the harness reads it back from /proc. Each test file runs
// with a private TMPDIR (removed when it exits), so nothing lands in the user's real default
// staging root (/tmp/vmexporter-staging) and parallel runs never share a path.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
export const binDir = process.env.VMX_BIN_DIR || join(repoRoot, 'build', 'bin');
// Screenshots are for people to look at after a run: beside the binaries, never in the source tree.
export const screenshotDir = process.env.VMX_SCREENSHOT_DIR || join(binDir, '..', 'e2e-screenshots');

const privateTmp = mkdtempSync(join(tmpdir(), 'vmx-e2e-run-'));
process.env.TMPDIR = privateTmp;  // inherited by every child: staging roots, chromium, vmimport view
process.on('exit', () => rmSync(privateTmp, { recursive: true, force: true }));

// node:test's test() with a time limit of its own, so a hung test fails by itself, naming itself,
// instead of taking its whole file down at the runner's per-file limit (package.json). Browser
// tests take up to ~80 s on a loaded 2-core machine.
export const TEST_TIMEOUT_MS = Number(process.env.VMX_E2E_TEST_TIMEOUT_MS || 300000);
export function test(name, options, fn) {
  return typeof options === 'function'
    ? nodeTest(name, { timeout: TEST_TIMEOUT_MS }, options)
    : nodeTest(name, { timeout: TEST_TIMEOUT_MS, ...options }, fn);
}

const started = [];
const tempDirs = [];
const proxies = [];

export function tempDir() {
  const d = mkdtempSync(join(privateTmp, 'vmx-e2e-'));
  tempDirs.push(d);
  return d;
}

// The 127.0.0.1 port `child` listens on, from its socket inodes in /proc/<pid>/fd matched against
// the LISTEN entries of /proc/<pid>/net/tcp; waits until it appears (or the child exits).
export async function listeningPort(child, what = 'process', timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening`);
    }
    const port = loopbackListenPort(child.pid);
    if (port > 0) return port;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} listens on no 127.0.0.1 port after ${timeoutMs} ms`);
}

function loopbackListenPort(pid) {
  try {
    const inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
        if (m) inodes.add(m[1]);
      } catch { /* the fd closed meanwhile */ }
    }
    for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local address (hex, 127.0.0.1 is 0100007F), f[3] state (0A: LISTEN), f[9] inode
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]) && f[1].startsWith('0100007F:')) {
        return parseInt(f[1].split(':')[1], 16);
      }
    }
  } catch { /* not started yet or gone */ }
  return -1;
}

// A port nobody listens on right now, for "connection refused" cases. Servers of the tests bind
// ":0" instead: a port released here may be taken by anyone.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function track(child) {
  started.push(child);
  return child;
}

// Starts vmexporter or vmimport with -no-browser; resolves with {url, base, child, output()} once
// it prints its URL (within timeoutMs).
export function startBinary(name, args = [], { env, timeoutMs = 30000 } = {}) {
  const child = track(spawn(join(binDir, name), [...args, '-no-browser'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(env || {}) } }));
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no URL: ${out}`)), timeoutMs);
    const check = () => {
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        const url = m[1];
        const token = new URL(url).searchParams.get('token') || '';
        // api('api/validate', {method: 'POST', body}) calls our API with the session token.
        const api = (path, opts = {}) => fetch(new URL(path, new URL(url).origin + '/'), {
          ...opts, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json', ...(opts.headers || {}) },
        });
        resolve({ url, base: new URL(url).origin, token, api, child, output: () => out });
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
}

async function waitHealthy(url, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer ${url}/health within ${timeoutMs} ms`);
}

function spawnVictoriaMetrics(dir, port, extraFlags) {
  return track(spawn('/usr/bin/victoria-metrics', [
    `-storageDataPath=${join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y', '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=ERROR',
    ...extraFlags,
  ], { stdio: 'ignore' }));
}

// Starts a real victoria-metrics on a loopback port of its choosing; resolves with
// {url, port, child, dir}.
export async function startVictoriaMetrics(extraFlags = []) {
  const dir = tempDir();
  const child = spawnVictoriaMetrics(dir, 0, extraFlags);
  const port = await listeningPort(child, 'victoria-metrics');
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 'victoria-metrics');
  return { url, port, child, dir, extraFlags };
}

// Kills a victoria-metrics from startVictoriaMetrics at once (SIGKILL, like a crash).
export async function killVictoriaMetrics(vm) {
  if (vm.child.exitCode !== null || vm.child.signalCode !== null) return;
  const exited = new Promise((r) => vm.child.once('exit', r));
  vm.child.kill('SIGKILL');
  await exited;
}

// Starts the same victoria-metrics again: same port, same data; updates vm.child. The port was
// VM's until the kill a moment ago (nothing else could have it), so taking it back is safe in
// practice; if someone did, the error says so instead of a test talking to a stranger.
export async function restartVictoriaMetrics(vm) {
  await killVictoriaMetrics(vm);
  vm.child = spawnVictoriaMetrics(vm.dir, vm.port, vm.extraFlags);
  const port = await listeningPort(vm.child, `victoria-metrics (restart on port ${vm.port})`);
  if (port !== vm.port) throw new Error(`victoria-metrics restarted on ${port}, not ${vm.port}`);
  await waitHealthy(vm.url, 'victoria-metrics (restart)');
  return vm;
}

// Starts a real vmauth in front of `targetUrl` with users [{username, password}] (basic auth)
// or [{bearer_token}]; resolves with {url, port, child}.
export async function startVmAuth(targetUrl, users) {
  const config = ['users:', ...users.flatMap((u) => [
    ...(u.bearer_token ? [`- bearer_token: ${JSON.stringify(u.bearer_token)}`]
      : [`- username: ${JSON.stringify(u.username)}`, `  password: ${JSON.stringify(u.password)}`]),
    `  url_prefix: ${JSON.stringify(targetUrl)}`,
  ])].join('\n');
  const configPath = writeTemp('vmauth.yml', `${config}\n`);
  const child = track(spawn('/usr/bin/vmauth', [
    `-auth.config=${configPath}`, '-httpListenAddr=127.0.0.1:0', '-loggerLevel=ERROR',
  ], { stdio: 'ignore' }));
  const port = await listeningPort(child, 'vmauth');
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 'vmauth');
  return { url, port, child };
}

// POSTs JSON lines into a VM and makes them searchable.
export async function importLines(vmUrl, jsonl) {
  const r = await fetch(`${vmUrl}/api/v1/import`, { method: 'POST', body: jsonl });
  if (r.status !== 204) throw new Error(`import failed: ${r.status} ${await r.text()}`);
  await fetch(`${vmUrl}/internal/force_flush`);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Saves a full-page screenshot as <screenshotDir>/<name>.png (build/e2e-screenshots by default).
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// An HTTP proxy to `targetUrl` that holds requests whose path matches `only` (default: all) for
// `delayMs` first, like a slow network, so a test can act while an export is running. When the
// target is down the client's connection is reset, as by a crashed server. Resolves with
// {url, close()}.
export async function startDelayProxy(targetUrl, delayMs, only = /./) {
  const target = new URL(targetUrl);
  const server = createHttpServer((req, res) => {
    setTimeout(() => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host } }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      });
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    }, only.test(req.url) ? delayMs : 0);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  proxies.push(close);
  return { url: `http://127.0.0.1:${port}`, close };
}

export function writeTemp(name, content) {
  const p = join(tempDir(), name);
  writeFileSync(p, content);
  return p;
}

export async function stopAll() {
  for (const close of proxies.splice(0)) await close();
  for (const child of started.splice(0)) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000);
        child.once('exit', () => { clearTimeout(t); r(); });
      });
    }
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
