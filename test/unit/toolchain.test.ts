import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The toolchain runs on the Lambda runtime's major (nodejs24.x): `npm ci` installs the `node` package
 * pinned in devDependencies, and npm puts its binary (node_modules/.bin/node) first on every script's PATH.
 * This fails when the tests run on the machine's own Node instead, e.g. `node node_modules/.bin/jest`.
 */
const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  engines: { node: string };
};

test('npm test runs on Node 24', () => {
  expect(Number(process.versions.node.split('.')[0])).toBe(24);
});

test('on the exact node binary package.json pins, which engines admits', () => {
  const pinned = pkg.devDependencies.node;
  expect(pinned).toMatch(/^24\.\d+\.\d+$/);
  expect(process.versions.node).toBe(pinned);
  expect(pkg.engines.node).toBe('>=24');
});
