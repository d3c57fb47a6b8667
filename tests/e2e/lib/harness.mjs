// Shared helpers for the browser tests: our binaries, a real victoria-metrics, and Debian's
// chromium driven by playwright-core. Every process started here is stopped by stopAll().
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
export const binDir = process.env.VMX_BIN_DIR || join(repoRoot, 'build', 'bin');
export const screenshotDir = join(repoRoot, 'tests', 'e2e', 'screenshots');

const started = [];
const tempDirs = [];

export function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'vmx-e2e-'));
  tempDirs.push(d);
  return d;
}

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

// Starts vmexporter or vmimport with -no-browser; resolves with {url, base, child, output()}.
export function startBinary(name, args = []) {
  const child = track(spawn(join(binDir, name), [...args, '-no-browser'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no URL: ${out}`)), 15000);
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

// Starts a real victoria-metrics on a free loopback port; resolves with {url, port, child}.
export async function startVictoriaMetrics(extraFlags = []) {
  const port = await freePort();
  const dir = tempDir();
  const child = track(spawn('/usr/bin/victoria-metrics', [
    `-storageDataPath=${join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y', '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=ERROR',
    ...extraFlags,
  ], { stdio: 'ignore' }));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return { url, port, child };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('victoria-metrics did not start');
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

// Saves a full-page screenshot under tests/e2e/screenshots/<name>.png.
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

export function writeTemp(name, content) {
  const p = join(tempDir(), name);
  writeFileSync(p, content);
  return p;
}

export async function stopAll() {
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
