import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { configSchema } from '../../../config/schema';
import { CONFIG_DOC_FILE, renderConfigDoc } from '../../../cli/config-doc';

type Json = Record<string, unknown>;

/**
 * Every field path of the schema, enumerated from zod's own JSON Schema export, independently of the
 * generator, so a generator bug cannot hide a field.
 */
function schemaPaths(): string[] {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as Json;
  const defs = (root.$defs ?? {}) as Record<string, Json>;
  const out = new Set<string>();
  const visit = (node: Json, path: string) => {
    if (typeof node.$ref === 'string') return visit(defs[node.$ref.split('/').at(-1)!], path);
    for (const variant of [...((node.oneOf as Json[]) ?? []), ...((node.anyOf as Json[]) ?? [])]) visit(variant, path);
    if (node.properties) {
      for (const [k, v] of Object.entries(node.properties as Record<string, Json>)) {
        const p = path ? `${path}.${k}` : k;
        out.add(p);
        visit(v, p);
      }
    }
    if (node.items) visit(node.items as Json, `${path}[]`);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      out.add(`${path}.<region>`);
      visit(node.additionalProperties as Json, `${path}.<region>`);
    }
  };
  visit(root, '');
  return [...out];
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(CONFIG_DOC_FILE, 'utf8');

  test('documents every field path of the schema (regenerate with npm run docs:config)', () => {
    const paths = schemaPaths();
    expect(paths.length).toBeGreaterThan(40);
    const missing = paths.filter((p) => !doc.includes(`| \`${p}\` |`));
    expect(missing).toEqual([]);
  });

  test('is what the generator writes today (regenerate with npm run docs:config)', () => {
    expect(doc).toBe(renderConfigDoc());
  });

  test('lists every cross-field rule with a literal path, however the schema lays the call out', () => {
    const schema = readFileSync(require.resolve('../../../config/schema'), 'utf8');
    // Counted independently of the generator: each addIssue call whose path is written out in the call.
    const calls = [...schema.matchAll(/ctx\.addIssue\(\{[^}]*?path:\s*\[/gs)].length;
    const rules = renderConfigDoc().split('## Rules across fields')[1]?.split('\n## ')[0] ?? '';
    const listed = new Set(rules.split('\n').filter((l) => l.startsWith('- `')));
    expect(calls).toBeGreaterThanOrEqual(9);
    expect(listed.size).toBe(calls);
  });

  test("carries the schema's own doc comments and defaults", () => {
    expect(doc).toMatch(/\| `detection\.quorum` \| integer \| no \| `2` \| ≥ 2; ≤ 5 \| Independent signals that must agree before a failover starts\. \|/);
    expect(doc).toMatch(/\| `traffic\.hostedZoneId` \|.*When `traffic\.strategy` = `route53-weighted` or `active-active`/);
    expect(doc).toContain('- `detection.datapointsToAlarm`: must not exceed detection.evaluationPeriods');
  });
});
