// The whole stack for the browser tests: a real `xentri dev` (its own
// Temporal dev server, the embedded S3 store, the API with the shell built
// into it) on free loopback ports and a data dir of its own, and Debian's
// chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../../..');

/** A free loopback port. */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * startStack runs bin/xentri dev (built by `make build`) and resolves when
 * /readyz answers 200. XENTRI_URL instead uses a stack already running.
 */
export async function startStack() {
  if (process.env.XENTRI_URL) {
    return { url: process.env.XENTRI_URL.replace(/\/$/, ''), stop: async () => {} };
  }
  const [http, temporal, ui, s3] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'xentri-e2e-'));
  const env = {
    ...process.env,
    XENTRI_DATA_DIR: dataDir,
    XENTRI_HTTP_ADDR: `127.0.0.1:${http}`,
    XENTRI_TEMPORAL_PORT: String(temporal),
    XENTRI_TEMPORAL_UI_PORT: String(ui),
    XENTRI_S3_ADDR: `127.0.0.1:${s3}`,
    XENTRI_TEMPORAL_BIN: process.env.XENTRI_TEMPORAL_BIN ?? join(root, 'bin/temporal'),
    XENTRI_LOG_LEVEL: 'warn',
  };
  const proc = spawn(join(root, 'bin/xentri'), ['dev'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b) => {
    stderr = (stderr + b).slice(-4000);
  });
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`xentri dev exited (${proc.exitCode}):\n${stderr}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`xentri dev was not ready in 120 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    proc.kill('SIGINT');
    await new Promise((r) => {
      const t = setTimeout(() => {
        proc.kill('SIGKILL');
        r();
      }, 20_000);
      proc.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, stop };
}

/** launchBrowser starts Debian's chromium with the flags the closed network needs. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** signUp makes a user with an org through the API and returns the session cookies for a browser context. */
export async function signUp(url, email, business) {
  const res = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: url },
    body: JSON.stringify({ email, password: 'correct horse battery', org_name: business }),
  });
  if (res.status !== 201) throw new Error(`sign up: ${res.status} ${await res.text()}`);
  const body = await res.json();
  const cookies = res.headers.getSetCookie().map((c) => {
    const [pair, ...attrs] = c.split(';');
    const [name, value] = pair.split('=');
    const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
    return { name, value, url: `${url}${path}` };
  });
  return { cookies, orgId: body.data.org.id, token: body.data.session.access_token };
}

/**
 * responseTo starts waiting for the page's response that test accepts,
 * before the action that causes it; await it after. Its rejection (a
 * timeout) is left for that await: if the action itself fails first, the
 * wait must not also crash the run as an unhandled rejection.
 */
export function responseTo(page, test) {
  const waiting = page.waitForResponse(test);
  waiting.catch(() => {});
  return waiting;
}
