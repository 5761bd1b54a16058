// Test helpers: a real pitlaned (tests/e2e/lib.js startServer, --demo), the
// gateway as its own process (gateway/server.js, as the run command starts
// it), JSON calls through the gateway with the server's key when it has
// one, and the headless Debian chromium driven by playwright-core.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('../../tests/e2e/lib.js');

const CLIENTS = path.resolve(__dirname, '..');
const ARTIFACTS = process.env.PL_ARTIFACTS || path.resolve(CLIENTS, '..', 'build', 'artifacts', 'screens');
const CHROMIUM = process.env.PL_CHROMIUM || '/usr/bin/chromium';

function startGateway(target, { staticDir = path.join(CLIENTS, 'dist') } = {}) {
  const proc = spawn(process.execPath, [path.join(CLIENTS, 'gateway', 'server.js'), '--listen', '127.0.0.1:0', '--target', target, '--static', staticDir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), 15000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}): ${err}`)); });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      resolve({ url: m[1], proc, stop: () => new Promise((r) => { proc.on('exit', r); proc.kill('SIGTERM'); }) });
    });
  });
}

// pitlaned + gateway; key is the server's admin key once auth exists.
async function startStack() {
  const srv = await startServer({});
  const gw = await startGateway(srv.addr);
  const key = srv.key;
  async function api(service, method, body = {}) {
    const headers = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${gw.url}/api/${service}/${method}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw Object.assign(new Error(`${json.code}: ${json.message}`), { code: json.code, status: res.status, body: json });
    return json;
  }
  return {
    srv, gw, key, api,
    async stop() {
      await gw.stop();
      if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
    },
  };
}

async function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// A page with the settings (key, chain, store) in localStorage before any
// script runs, as if the person had pasted their key on the settings screen.
async function openPage(browser, stack, urlPath, viewport, extra = {}) {
  const ctx = await browser.newContext({ viewport, ...(viewport.width < 500 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  const settings = { key: stack.key || '', chain: 'demo', store: 'SH01', actor: 'e2e', ...extra };
  await ctx.addInitScript((s) => {
    if (!localStorage.getItem('pitlane.settings')) localStorage.setItem('pitlane.settings', JSON.stringify(s));
  }, settings);
  const page = await ctx.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${stack.gw.url}${urlPath}`);
  page.consoleErrors = consoleErrors;
  return page;
}

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = { startStack, startGateway, launchBrowser, openPage, screenshot, ARTIFACTS, CLIENTS, CHROMIUM };
