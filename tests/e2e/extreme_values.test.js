// Extreme values for every integer and string field of every method,
// generated from the proto descriptors (issue 19): for each method, an
// otherwise valid-looking request (demo chain, demo codes) gets one field
// (top level, or nested one level) set to 0, -1, the type's min and max,
// 2^53, 2^63-1, "", a 64 KiB string, a NUL inside, invalid UTF-8 or a
// control character, and is sent with the demo chain's admin key. Each
// must get a precise status (INVALID_ARGUMENT, NOT_FOUND, ...) or OK —
// never UNAVAILABLE, INTERNAL or UNKNOWN, never a dead server — and a
// refused write must leave the chain as it was (a digest of list reads).
// Values the edge must refuse (NUL, invalid UTF-8, 64 KiB, int64 max)
// must get INVALID_ARGUMENT naming the field.
//
// PL_EXTREME_LONG=1: nested fields two levels deep and a digest after
// every refused call (reads too), not only after refused writes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');
const Long = require('long');
const { grpc, startServer, clients, call, closeAll } = require('./lib');

const S = grpc.status;
const LONG_MODE = process.env.PL_EXTREME_LONG === '1';
const ROOT = path.resolve(__dirname, '..', '..');
const FILES = ['admin', 'scheduling', 'inventory', 'transfers', 'workorders', 'claims', 'cluster', 'dispatch', 'customers']
  .map((f) => `pitlane/v1/${f}.proto`);

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(ROOT, 'proto', target);
root.loadSync(FILES, { keepCase: true });
root.resolveAll();

// Plausible values by field name, so that the rest of a request passes.
const GOOD = {
  chain: 'demo', chains: 'demo', store: 'SH01', stores: 'SH01', home_store: 'SH01',
  warehouse: 'WH-SH01', from: 'WH-SH01', to: 'WH-SH02', destination: 'WH-SH01',
  part_no: 'OF-1001', service: 'MAINT', services: 'MAINT', book_service: 'MAINT',
  first_service: 'MAINT', bay: 'L1', technician: 'T01', technicians: 'T01',
  vin: 'LSVDEM00000000001', plate: '沪A12345', phone: '13900000000',
  date: '2026-12-01', from_date: '2026-12-01', to_date: '2026-12-31',
  purchase_date: '2025-01-01', actor: 'e2e', code: 'X1', name: 'n',
  insurer: 'PICC', claim_no: 'C1', key_id: 'nope', tenant: 'demo', unit: 'pc',
  model: 'M1', models: 'M1', supplier: 'SUP1',
};
const INT_KINDS = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32', 'int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const WIDE = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const UNSIGNED = new Set(['uint32', 'fixed32', 'uint64', 'fixed64']);

// The extreme values of an integer field of protobuf type t.
function intValues(t) {
  if (WIDE.has(t)) {
    const u = UNSIGNED.has(t);
    return [0, 1, u ? null : -1, u ? null : Long.MIN_VALUE, Long.fromString('9007199254740992'),
      Long.MAX_VALUE, u ? Long.MAX_UNSIGNED_VALUE : null].filter((v) => v !== null)
      .map((v) => (u && Long.isLong(v) ? Long.fromValue(v).toUnsigned() : v));
  }
  return UNSIGNED.has(t) ? [0, 1, 4294967295] : [0, -1, -2147483648, 2147483647];
}
const K64 = 'x'.repeat(64 * 1024);
const STRING_VALUES = ['', 'a\0b', '\0', '\uD800x', 'a\u0001b', 'a\nb', K64];
const MUST_REFUSE = new Set(['a\0b', '\0', '\uD800x', 'a\u0001b', K64]);

// A valid-looking value for field f (depth: how deep we are).
function goodValue(f, depth) {
  if (f.resolvedType instanceof protobuf.Enum) {
    const vals = Object.values(f.resolvedType.values);
    return vals.length > 1 ? vals[1] : vals[0];
  }
  if (f.resolvedType instanceof protobuf.Type) return depth < 2 ? baseRequest(f.resolvedType, depth + 1) : {};
  if (f.type === 'string') return GOOD[f.name] || 'x';
  if (f.type === 'bool') return false;
  if (INT_KINDS.has(f.type)) return /_id$|^id$/.test(f.name) ? 1 : 1;
  return undefined;
}

function baseRequest(type, depth = 0) {
  const o = {};
  for (const f of type.fieldsArray) {
    if (f.partOf) continue; // oneof members are left out
    const v = goodValue(f, depth);
    if (v === undefined) continue;
    o[f.name] = f.repeated ? [v] : v;
  }
  return o;
}

// Every (path, field) of integer or string type, top level and nested up
// to `levels` deep (through the first element of a repeated message).
function leafFields(type, levels, prefix = []) {
  const out = [];
  for (const f of type.fieldsArray) {
    if (f.partOf) continue;
    const p = [...prefix, f];
    if (f.type === 'string' || INT_KINDS.has(f.type)) out.push(p);
    else if (f.resolvedType instanceof protobuf.Type && levels > 0) out.push(...leafFields(f.resolvedType, levels - 1, p));
  }
  return out;
}

function setAt(req, fieldPath, v) {
  let o = req;
  for (let i = 0; i < fieldPath.length - 1; i++) {
    const f = fieldPath[i];
    let next = o[f.name];
    if (f.repeated) {
      if (!Array.isArray(next) || next.length === 0) o[f.name] = [{}];
      next = o[f.name][0];
    } else if (next === undefined) {
      o[f.name] = {};
      next = o[f.name];
    }
    o = next;
  }
  const last = fieldPath[fieldPath.length - 1];
  o[last.name] = last.repeated ? [v] : v;
}

const READ = /^(Get|List|Watch|Check|Trace|Find|Verify|Quote|Plan|Recommend|DayBoard|Suggest|Due|Status)/;

function allMethods() {
  const out = [];
  const visit = (ns) => {
    for (const n of ns.nestedArray || []) {
      if (n instanceof protobuf.Service) {
        for (const m of n.methodsArray) {
          out.push({ service: n.name, path: `/${n.fullName.slice(1)}/${m.name}`, method: m, req: root.lookupType(m.requestType) });
        }
      } else if (n.nestedArray) visit(n);
    }
  };
  visit(root);
  return out;
}

// One call with raw bytes; resolves with { code, details }.
function send(raw, m, bytes, md) {
  return new Promise((resolve) => {
    const deadline = Date.now() + (m.method.responseStream ? 800 : 10000);
    if (m.method.responseStream) {
      const st = raw.makeServerStreamRequest(m.path, (b) => b, (b) => b, bytes, md, { deadline });
      st.on('data', () => {});
      st.on('error', (e) => resolve({ code: e.code, details: e.details }));
      st.on('end', () => resolve({ code: S.OK, details: '' }));
    } else {
      raw.makeUnaryRequest(m.path, (b) => b, (b) => b, bytes, md, { deadline }, (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: S.OK, details: '' }));
    }
  });
}

// A few list reads of the demo chain, as one string.
async function digest(c) {
  const r = await Promise.all([
    call(c.admin, 'ListStores', { chain: 'demo' }),
    call(c.admin, 'ListServices', { chain: 'demo' }),
    call(c.admin, 'ListResources', { chain: 'demo', store: 'SH01' }),
    call(c.inventory, 'ListMovements', { chain: 'demo', limit: 500 }),
    call(c.transfers, 'ListTransfers', { chain: 'demo' }),
    call(c.transfers, 'ListLanes', { chain: 'demo' }),
    call(c.workorders, 'ListWorkOrders', { chain: 'demo' }),
    call(c.customers, 'ListCustomers', { chain: 'demo' }),
    call(c.claims, 'ListClaims', { chain: 'demo' }),
    call(c.dispatch, 'ListFieldResources', { chain: 'demo' }),
  ]);
  return JSON.stringify(r);
}

const BAD = new Set([S.UNAVAILABLE, S.INTERNAL, S.UNKNOWN, S.DATA_LOSS]);

test('every integer and string field of every method survives extreme values', { timeout: 600000 }, async () => {
  const srv = await startServer({});
  const keys = JSON.parse(fs.readFileSync(path.join(srv.dataDir, 'demo-keys.json'), 'utf8'));
  const c = clients(srv.addr); // platform key: the digest reads
  const raw = new grpc.Client(srv.addr, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${keys.admin}`);
  const seen = { calls: 0, refused: 0, ok: 0 };
  try {
    let base = await digest(c);
    for (const m of allMethods()) {
      const fields = leafFields(m.req, LONG_MODE ? 2 : 1);
      for (const fp of fields) {
        const leaf = fp[fp.length - 1];
        const name = fp.map((f) => f.name).join('.');
        const values = leaf.type === 'string' ? STRING_VALUES : intValues(leaf.type);
        for (const v of values) {
          const req = baseRequest(m.req);
          setAt(req, fp, v);
          const bytes = Buffer.from(m.req.encode(m.req.fromObject(req)).finish());
          const got = await send(raw, m, bytes, md);
          const what = `${m.path} ${name}=${typeof v === 'string' ? JSON.stringify(v.slice(0, 12)) : String(v)}`;
          seen.calls++;
          assert.ok(!BAD.has(got.code), `${what}: status ${got.code} ${got.details}`);
          const mustRefuse = (leaf.type === 'string' && MUST_REFUSE.has(v)) ||
            (Long.isLong(v) && v.equals(Long.MAX_VALUE));
          if (mustRefuse) {
            assert.equal(got.code, S.INVALID_ARGUMENT, `${what}: ${got.code} ${got.details}`);
            assert.ok(got.details.includes(leaf.name), `${what}: detail does not name the field: ${got.details}`);
          }
          if (got.code === S.OK || (m.method.responseStream && got.code === S.DEADLINE_EXCEEDED)) {
            seen.ok++;
            if (!READ.test(m.method.name)) base = await digest(c);
          } else {
            seen.refused++;
            if (!READ.test(m.method.name) || LONG_MODE) assert.equal(await digest(c), base, `${what} (refused: ${got.details}) changed the chain`);
          }
        }
      }
      assert.equal(srv.proc.exitCode, null, `server died after ${m.path}`);
    }
    const h = await call(c.health, 'Check', {});
    assert.equal(h.status, 'SERVING');
    console.log(`extreme values: ${seen.calls} calls, ${seen.refused} refused, ${seen.ok} OK`);
  } finally {
    raw.close();
    closeAll(c);
    await srv.stop();
  }
});
