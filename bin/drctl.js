#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load, so an installed checkout needs no build step.
require('tsx/cjs/api').register();
const { run } = require('../cli/main.ts');

// run() reports every failure on one line and resolves to 0, 1 or 2 (see `drctl --help`).
run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
