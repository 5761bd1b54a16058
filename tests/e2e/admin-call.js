#!/usr/bin/env node
// Usage: node tests/e2e/admin-call.js METHOD 'JSON request' [HOST:PORT]
// Calls one pitlane.v1.Admin method and prints the reply as JSON.
'use strict';
const { clients, call } = require('./lib');

const [method, json = '{}', addr = '127.0.0.1:50051'] = process.argv.slice(2);
if (!method) {
  console.error("usage: admin-call.js METHOD 'JSON' [HOST:PORT]");
  process.exit(2);
}
const c = clients(addr);
call(c.admin, method, JSON.parse(json), 5000)
  .then((res) => {
    console.log(JSON.stringify(res, null, 2));
    process.exit(0);
  })
  .catch((err) => {
    console.error(`${err.code} ${err.details}`);
    process.exit(1);
  });
