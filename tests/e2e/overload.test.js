// Overload: beyond --max-inflight calls in flight the server refuses new
// ones with RESOURCE_EXHAUSTED (changing nothing), keeps answering Health,
// honours clients' deadlines, and takes work again once the flood passes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll } = require('./lib');

const S = grpc.status;

test('a flood is shed with RESOURCE_EXHAUSTED; Health answers; it recovers', async () => {
  const srv = await startServer({ args: ['--max-inflight', '8'] });
  const c = clients(srv.addr);
  const pool = Array.from({ length: 8 }, () => clients(srv.addr));
  try {
    const before = (await call(c.admin, 'GetChain', { code: 'demo' })).parts;
    let ok = 0;
    let shed = 0;
    const flood = Array.from({ length: 400 }, (_, i) =>
      call(pool[i % pool.length].admin, 'CreatePart', { part: { chain: 'demo', part_no: `OV-${i}`, name: 'o', unit: 'pc' } }, 20000)
        .then(() => { ok++; })
        .catch((err) => {
          assert.equal(err.code, S.RESOURCE_EXHAUSTED, err.details);
          assert.match(err.details, /overloaded/);
          shed++;
        }));
    // Health is answered in the middle of it
    const health = await call(c.health, 'Check', { service: '' }, 5000);
    assert.equal(health.status, 'SERVING');
    // a client's deadline is honoured: the call ends by then, one way or another
    const deadlines = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const t0 = Date.now();
      try {
        await call(pool[i % pool.length].admin, 'GetChain', { code: 'demo' }, 50);
        return { ms: Date.now() - t0, code: S.OK };
      } catch (err) {
        return { ms: Date.now() - t0, code: err.code };
      }
    }));
    for (const d of deadlines) {
      assert.ok([S.OK, S.DEADLINE_EXCEEDED, S.RESOURCE_EXHAUSTED].includes(d.code), `code ${d.code}`);
      assert.ok(d.ms < 50 + 1000, `a 50 ms deadline took ${d.ms} ms`);
    }
    await Promise.all(flood);
    assert.equal(ok + shed, 400);
    assert.ok(shed > 0, 'the flood was shed');
    assert.ok(ok > 0, 'some of the flood was served');
    // shed calls changed nothing; served ones are all there
    const after = (await call(c.admin, 'GetChain', { code: 'demo' })).parts;
    assert.equal(after - before, ok);
    // recovered
    await call(c.admin, 'CreatePart', { part: { chain: 'demo', part_no: 'OV-after', name: 'o', unit: 'pc' } });
  } finally {
    pool.forEach(closeAll);
    closeAll(c);
    await srv.stop();
  }
});
