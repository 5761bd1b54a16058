// Helpers for the end-to-end tests: start pitlaned on a free loopback port
// with a fresh data directory, and gRPC clients built from proto/ with
// @grpc/grpc-js (independent of the server's C code).
//
// Authentication: before pitlaned starts on a data directory for the first
// time, `pl-keys create` makes a platform admin key there; startServer
// resolves with it as `srv.key`, and clients(srv.addr) sends it
// (`authorization: Bearer <key>`) on every call unless told otherwise:
// clients(addr, { key: null }) sends none, clients(addr, { key: K }) K.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');
const PITLANED = process.env.PITLANED || path.join(ROOT, 'build', 'pitlaned');
const PL_KEYS = process.env.PL_KEYS || path.join(path.dirname(PITLANED), 'pl-keys');

const packageDefinition = protoLoader.loadSync(
  ['pitlane/v1/admin.proto', 'pitlane/v1/scheduling.proto', 'pitlane/v1/inventory.proto', 'pitlane/v1/transfers.proto', 'pitlane/v1/workorders.proto', 'pitlane/v1/claims.proto', 'pitlane/v1/cluster.proto', 'pitlane/v1/dispatch.proto', 'pitlane/v1/customers.proto', 'grpc/health/v1/health.proto'],
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

// Runs pl-keys (the server must not be running on its --data); returns
// its stdout, trimmed.
function plKeys(args) {
  return execFileSync(PL_KEYS, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// The platform admin key of each data directory (made once, before its
// first server), and the key of each running server's address.
const dirKeys = new Map();
const addrKeys = new Map();

function adminKeyFor(dir) {
  if (!dirKeys.has(dir)) {
    dirKeys.set(dir, plKeys(['create', '--data', dir, '--tenant-kind', 'platform', '--tenant', 'e2e', '--role', 'admin', '--label', 'e2e platform admin']));
  }
  return dirKeys.get(dir);
}

// Starts pitlaned; resolves with { port, addr, key, proc, stop(signal) }.
function startServer({ dataDir, demo = true, threads = 2, env, args: extra = [] } = {}) {
  const dir = dataDir || tempDir();
  const key = adminKeyFor(dir);
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
      addrKeys.set(addr, key);
      const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig, stderr })));
      resolve({
        port: Number(m[2]),
        addr,
        key,
        dataDir: dir,
        proc,
        exited,
        // everything it printed on stdout so far (e.g. the metrics address)
        get stdout() { return out; },
        stop(signal = 'SIGTERM') {
          proc.kill(signal);
          return exited;
        },
      });
    });
  });
}

// An interceptor that adds `authorization: Bearer <key>` to every call.
function bearer(key) {
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('authorization', `Bearer ${key}`);
      next(metadata, listener);
    },
  });
}

// Clients of every service at addr. key: the bearer key to send (default:
// the key of the server started at addr, or PITLANE_KEY; null: none).
// creds: channel credentials (default insecure; grpc.credentials.createSsl
// for TLS). options: extra client options (e.g. an ssl target name).
function clients(addr, { key, creds, options = {} } = {}) {
  const k = key === undefined ? addrKeys.get(addr) || process.env.PITLANE_KEY || null : key;
  const c = creds || grpc.credentials.createInsecure();
  const o = k ? { ...options, interceptors: [bearer(k)] } : options;
  return {
    health: new proto.grpc.health.v1.Health(addr, c, o),
    admin: new proto.pitlane.v1.Admin(addr, c, o),
    sched: new proto.pitlane.v1.Scheduling(addr, c, o),
    inventory: new proto.pitlane.v1.Inventory(addr, c, o),
    transfers: new proto.pitlane.v1.Transfers(addr, c, o),
    workorders: new proto.pitlane.v1.WorkOrders(addr, c, o),
    claims: new proto.pitlane.v1.Claims(addr, c, o),
    cluster: new proto.pitlane.v1.Cluster(addr, c, o),
    dispatch: new proto.pitlane.v1.Dispatch(addr, c, o),
    customers: new proto.pitlane.v1.Customers(addr, c, o),
    raw: new grpc.Client(addr, c, o),
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

module.exports = { grpc, proto, startServer, clients, call, rawCall, closeAll, tempDir, withServer, rejectsWith, plKeys, PITLANED, PL_KEYS };
