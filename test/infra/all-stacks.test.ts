import { readdirSync } from 'node:fs';

/**
 * The infra project's entry (jest.config.js): every other test/infra/*.test.ts, loaded into this one module registry,
 * so aws-cdk-lib and the constructs load once for all of them instead of once per file (jest gives every test file
 * a registry of its own). The files stay as they are, each with its own describe blocks; only their loading is
 * shared. Measured on these 2 cores: 53 s of CPU as separate files, 21 s together.
 * cloudformation-validation.test.ts runs on its own: it loads a WebAssembly rule engine and runs beside this file.
 * One file: `npx jest --selectProjects infra -t '<its describe title>'`.
 */
const SEPARATE = new Set(['all-stacks.test.ts', 'cloudformation-validation.test.ts']);

for (const file of readdirSync(__dirname).sort()) {
  if (file.endsWith('.test.ts') && !SEPARATE.has(file)) require(`./${file}`);
}
