#!/usr/bin/env node
// Usage: node tests/e2e/health.js [HOST:PORT] [SERVICE]
// Prints the grpc.health.v1 status of a running pitlaned (exit 0 if SERVING).
'use strict';
const { clients, call } = require('./lib');

const addr = process.argv[2] || '127.0.0.1:50051';
const c = clients(addr);
call(c.health, 'Check', { service: process.argv[3] || '' }, 5000)
  .then((res) => {
    console.log(res.status);
    process.exit(res.status === 'SERVING' ? 0 : 1);
  })
  .catch((err) => {
    console.error(`${addr}: ${err.code} ${err.details}`);
    process.exit(2);
  });
