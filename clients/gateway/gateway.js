// The browser gateway: browsers cannot speak gRPC, so this small HTTP
// server forwards JSON calls to pitlaned over gRPC (@grpc/grpc-js) and
// serves the built pages. It holds no business rule: a request body is
// turned into the method's protobuf message as it is, the reply comes back
// as JSON as it is, and a gRPC error comes back with its code and the
// engine's message verbatim.
//
//   POST /api/<Service>/<Method>           JSON body -> unary call -> JSON reply
//   GET  /api/stream/<Service>/<Method>?json=<JSON>
//                                          server stream -> Server-Sent Events
//   GET  /api/methods                      the allow-list (from the protos)
//   GET  /healthz                          gateway up; pitlaned's health
//   GET  /, /m/, /assets/...               the built console and mobile pages
//
// Only methods present in the loaded protos are forwarded (the allow-list
// is built from the package definition). The caller's key comes in as
// `Authorization: Bearer <key>` and goes on unchanged as gRPC metadata
// `authorization`; the gateway itself checks nothing.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const MAX_BODY = 1 << 20;
const UNARY_DEADLINE_MS = 30000;

// gRPC status code -> HTTP status (the mapping of google.rpc.Code).
const HTTP_OF_CODE = {
  OK: 200, CANCELLED: 499, UNKNOWN: 500, INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504, NOT_FOUND: 404, ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403, RESOURCE_EXHAUSTED: 429, FAILED_PRECONDITION: 400,
  ABORTED: 409, OUT_OF_RANGE: 400, UNIMPLEMENTED: 501, INTERNAL: 500,
  UNAVAILABLE: 503, DATA_LOSS: 500, UNAUTHENTICATED: 401,
};
const NAME_OF_CODE = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

// Every .proto under pitlane/v1 plus the standard health service.
function protoFiles(protoDir) {
  const v1 = path.join(protoDir, 'pitlane', 'v1');
  const files = fs.readdirSync(v1).filter((f) => f.endsWith('.proto')).sort().map((f) => `pitlane/v1/${f}`);
  return [...files, 'grpc/health/v1/health.proto'];
}

// Builds the allow-list: "Scheduling/Hold" (short service name) and
// "pitlane.v1.Scheduling/Hold" (full name) -> the method's definition.
function loadMethods(protoDir = DEFAULT_PROTO_DIR) {
  const def = protoLoader.loadSync(protoFiles(protoDir), {
    includeDirs: [protoDir], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true,
  });
  const methods = new Map();
  for (const [full, svc] of Object.entries(def)) {
    if (svc.format || typeof svc !== 'object') continue; // a message or enum type
    const short = full.slice(full.lastIndexOf('.') + 1);
    for (const [name, m] of Object.entries(svc)) {
      if (!m || typeof m.path !== 'string') continue;
      const entry = { service: full, name, path: m.path, stream: !!m.responseStream, clientStream: !!m.requestStream,
                      serialize: m.requestSerialize, deserialize: m.responseDeserialize };
      methods.set(`${full}/${name}`, entry);
      if (!methods.has(`${short}/${name}`)) methods.set(`${short}/${name}`, entry);
    }
  }
  return methods;
}

function grpcError(err) {
  const code = NAME_OF_CODE[err.code] || 'UNKNOWN';
  return { code, message: err.details || err.message || code };
}

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function sendError(res, code, message) {
  send(res, HTTP_OF_CODE[code] || 500, { code, message });
}

// The chain a request body names, as the server finds it (api/server/auth.c):
// its `chain`, a message one level down's `chain` ({store: {chain}}), the
// `code` of GetChain, or CreateChain's `chain.code`. '' if none.
function chainOf(body, path) {
  if (!body || typeof body !== 'object') return '';
  if (typeof body.chain === 'string') return body.chain;
  if (body.chain && typeof body.chain.code === 'string') return body.chain.code;
  if (/\/GetChain$/.test(path || '') && typeof body.code === 'string') return body.code;
  for (const v of Object.values(body)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.chain === 'string') return v.chain;
  }
  return '';
}

// The caller's credentials, passed on unchanged, and `x-pitlane-chain`
// (from the caller's header, else from the body) for a cluster's router
// (HAProxy routes each call to its chain's node: docs/scaling.md).
function metadataOf(req, body, path) {
  const md = new grpc.Metadata();
  if (req.headers.authorization) md.set('authorization', req.headers.authorization);
  const chain = req.headers['x-pitlane-chain'] || chainOf(body, path);
  if (chain) md.set('x-pitlane-chain', chain);
  return md;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error(`request body: larger than ${MAX_BODY} bytes`), { code: 'RESOURCE_EXHAUSTED' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text, where) {
  if (text === '' || text === undefined) return {};
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw Object.assign(new Error(`${where}: not JSON (${e.message})`), { code: 'INVALID_ARGUMENT' });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw Object.assign(new Error(`${where}: must be a JSON object`), { code: 'INVALID_ARGUMENT' });
  }
  return v;
}

// Serialises with the method's protobuf type; a value of the wrong type is
// the caller's error (INVALID_ARGUMENT), not a crash.
function serializer(m) {
  return (obj) => m.serialize(obj);
}

function checkSerializable(m, obj) {
  try {
    m.serialize(obj);
  } catch (e) {
    throw Object.assign(new Error(`request: ${e.message}`), { code: 'INVALID_ARGUMENT' });
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
  '.woff2': 'font/woff2', '.map': 'application/json',
};

function serveStatic(staticDir, urlPath, res) {
  let rel;
  if (urlPath === '/' || urlPath === '/index.html') rel = 'web/index.html';
  else if (urlPath === '/m/' || urlPath === '/m/index.html') rel = 'mobile/index.html';
  else if (urlPath === '/m') {
    res.writeHead(301, { location: '/m/' });
    res.end();
    return;
  } else rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
  const file = path.resolve(staticDir, rel);
  if (!file.startsWith(path.resolve(staticDir) + path.sep)) {
    sendError(res, 'NOT_FOUND', 'no such file');
    return;
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      if (rel.endsWith('index.html')) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`The pages are not built: run "npm ci && npm run build" in clients/ (looked for ${file}).\n`);
      } else {
        sendError(res, 'NOT_FOUND', `no such file: ${urlPath}`);
      }
      return;
    }
    const ext = path.extname(file);
    res.writeHead(200, {
      'content-type': MIME[ext] || 'application/octet-stream',
      'cache-control': ext === '.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    res.end(data);
  });
}

// Creates the gateway. Returns { server, client, methods, close() }; call
// server.listen() yourself.
function createGateway({ target, staticDir, protoDir = DEFAULT_PROTO_DIR, log = () => {} }) {
  const methods = loadMethods(protoDir);
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const health = methods.get('grpc.health.v1.Health/Check');

  function lookup(res, svc, name, wantStream) {
    const m = methods.get(`${svc}/${name}`);
    if (!m || m.clientStream) {
      sendError(res, 'UNIMPLEMENTED', `gateway: no method ${svc}/${name} in the protos`);
      return null;
    }
    if (m.stream !== wantStream) {
      sendError(res, 'INVALID_ARGUMENT', wantStream
        ? `gateway: ${svc}/${name} is unary: POST /api/${svc}/${name}`
        : `gateway: ${svc}/${name} is a server stream: GET /api/stream/${svc}/${name}?json=...`);
      return null;
    }
    return m;
  }

  async function unary(req, res, svc, name) {
    const m = lookup(res, svc, name, false);
    if (!m) return;
    let body;
    try {
      body = parseJson(await readBody(req), 'request body');
      checkSerializable(m, body);
    } catch (e) {
      sendError(res, e.code || 'INVALID_ARGUMENT', e.message);
      return;
    }
    const t0 = Date.now();
    client.makeUnaryRequest(m.path, serializer(m), m.deserialize, body, metadataOf(req, body, m.path),
      { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, reply) => {
        log(`${m.path} ${err ? NAME_OF_CODE[err.code] : 'OK'} ${Date.now() - t0}ms`);
        if (err) {
          const e = grpcError(err);
          sendError(res, e.code, e.message);
        } else {
          send(res, 200, reply);
        }
      });
  }

  // Server stream -> SSE: `event: message` per reply (data: its JSON),
  // `event: error` (data: {code, message}) or `event: end` at the close.
  // The client going away cancels the gRPC call.
  function stream(req, res, svc, name, query) {
    const m = lookup(res, svc, name, true);
    if (!m) return;
    let body;
    try {
      body = parseJson(query.get('json') || '', 'json parameter');
      checkSerializable(m, body);
    } catch (e) {
      sendError(res, e.code || 'INVALID_ARGUMENT', e.message);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': stream open\n\n');
    const call = client.makeServerStreamRequest(m.path, serializer(m), m.deserialize, body, metadataOf(req, body, m.path), {});
    let done = false;
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    const finish = (event, data) => {
      if (done) return;
      done = true;
      clearInterval(beat);
      res.end(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    call.on('data', (msg) => {
      if (!done) res.write(`event: message\ndata: ${JSON.stringify(msg)}\n\n`);
    });
    call.on('error', (err) => {
      if (err.code === grpc.status.CANCELLED && done) return;
      finish('error', grpcError(err));
    });
    call.on('end', () => finish('end', {}));
    res.on('close', () => {
      if (!done) {
        done = true;
        clearInterval(beat);
        call.cancel();
        log(`${m.path} stream closed by the client`);
      }
    });
  }

  function healthz(req, res) {
    const md = metadataOf(req);
    client.makeUnaryRequest(health.path, serializer(health), health.deserialize, { service: '' }, md,
      { deadline: Date.now() + 2000 }, (err, reply) => {
        if (err) {
          send(res, 503, { gateway: 'ok', target, pitlaned: grpcError(err) });
        } else {
          send(res, reply.status === 'SERVING' ? 200 : 503, { gateway: 'ok', target, pitlaned: reply.status });
        }
      });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://gateway');
    const p = url.pathname;
    const parts = p.split('/').filter(Boolean);
    if (p === '/healthz' && req.method === 'GET') return healthz(req, res);
    if (p === '/api/methods' && req.method === 'GET') {
      const names = [...methods.keys()].filter((k) => !k.includes('.'));
      return send(res, 200, { methods: names.sort(), streams: names.filter((k) => methods.get(k).stream) });
    }
    if (parts[0] === 'api') {
      if (parts[1] === 'stream' && parts.length === 4 && req.method === 'GET') return stream(req, res, parts[2], parts[3], url.searchParams);
      if (parts.length === 3 && req.method === 'POST') return unary(req, res, parts[1], parts[2]).catch((e) => sendError(res, 'INTERNAL', `gateway: ${e.message}`));
      return sendError(res, 'NOT_FOUND', `gateway: ${req.method} ${p}: use POST /api/<Service>/<Method> or GET /api/stream/<Service>/<Method>`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'NOT_FOUND', `gateway: ${req.method} ${p}`);
    return serveStatic(staticDir, p, res);
  });

  return {
    server, client, methods,
    close() {
      client.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

module.exports = { createGateway, loadMethods, HTTP_OF_CODE, DEFAULT_PROTO_DIR };
