// Helpers for the end-to-end tests: start pitlaned on a free loopback port
// with a fresh data directory, and gRPC clients built from proto/ with
// @grpc/grpc-js (independent of the server's C code).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');
const PITLANED = process.env.PITLANED || path.join(ROOT, 'build', 'pitlaned');

const packageDefinition = protoLoader.loadSync(
  ['pitlane/v1/admin.proto', 'pitlane/v1/scheduling.proto', 'pitlane/v1/inventory.proto', 'pitlane/v1/transfers.proto', 'pitlane/v1/workorders.proto', 'pitlane/v1/claims.proto', 'grpc/health/v1/health.proto'],
  { includeDirs: [path.join(ROOT, "proto")], keepCase: true, longs: Number, enums: String, defaults: true },
);
const proto = grpc.loadPackageDefinition(packageDefinition);

// Temporary data directories, removed when the test process exits (its
// servers are stopped or killed by then).
const made = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pitlane-e2e-'));
  made.push(d);
  return d;
}

// Starts pitlaned; resolves with { port, addr, proc, stop(signal) }.
function startServer({ dataDir, demo = true, threads = 2, env, args: extra = [] } = {}) {
  const dir = dataDir || tempDir();
  const args = ['--listen', '127.0.0.1:0', '--data', dir, '--threads', String(threads), ...extra];
  if (demo) args.push('--demo');
  const proc = spawn(PITLANED, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(env || {}) } });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pitlaned did not start: ${stderr}`)), 20000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pitlaned exited early (${code}): ${stderr}`));
    });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on ([\d.]+):(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      const addr = `${m[1]}:${m[2]}`;
      const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig, stderr })));
      resolve({
        port: Number(m[2]),
        addr,
        dataDir: dir,
        proc,
        exited,
        stop(signal = 'SIGTERM') {
          proc.kill(signal);
          return exited;
        },
      });
    });
  });
}

function clients(addr) {
  const creds = grpc.credentials.createInsecure();
  return {
    health: new proto.grpc.health.v1.Health(addr, creds),
    admin: new proto.pitlane.v1.Admin(addr, creds),
    sched: new proto.pitlane.v1.Scheduling(addr, creds),
    inventory: new proto.pitlane.v1.Inventory(addr, creds),
    transfers: new proto.pitlane.v1.Transfers(addr, creds),
    workorders: new proto.pitlane.v1.WorkOrders(addr, creds),
    claims: new proto.pitlane.v1.Claims(addr, creds),
    raw: new grpc.Client(addr, creds),
  };
}

// Promise wrapper: call(client, 'Method', req) -> response, or throws the
// grpc error (with .code and .details).
function call(client, method, req, deadlineMs = 10000) {
  return new Promise((resolve, reject) => {
    client[method](req, { deadline: Date.now() + deadlineMs }, (err, res) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}

// Sends raw bytes to a method path; resolves with the raw reply bytes.
function rawCall(raw, methodPath, bytes) {
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(methodPath, (b) => b, (b) => b, bytes, (err, res) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}

function closeAll(c) {
  for (const k of Object.keys(c)) c[k].close();
}

// Runs fn(srv, clients) against a fresh server, then stops it.
async function withServer(opts, fn) {
  const srv = await startServer(opts);
  const c = clients(srv.addr);
  try {
    await fn(srv, c);
  } finally {
    closeAll(c);
    if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
  }
}

// Asserts that promise fails with gRPC status `code` and, if given, a
// detail matching `pattern`.
async function rejectsWith(promise, code, pattern) {
  const assert = require('node:assert/strict');
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.details}`);
    if (pattern) assert.match(err.details, pattern);
    return true;
  });
}

module.exports = { grpc, proto, startServer, clients, call, rawCall, closeAll, tempDir, withServer, rejectsWith, PITLANED };
