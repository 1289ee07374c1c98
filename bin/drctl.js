#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load, so an installed checkout needs no build step.
require('tsx/cjs/api').register();
const { run } = require('../cli/main.ts');

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`drctl: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
