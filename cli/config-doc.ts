#!/usr/bin/env node
/**
 * Generates docs/configuration.md from the zod schema in config/schema.ts, with each field's doc comment
 * taken from the schema's source, so the reference cannot drift from what the loader accepts.
 *
 *   npx tsx cli/config-doc.ts            print it
 *   npx tsx cli/config-doc.ts --write    write docs/configuration.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import * as schemas from '../config/schema';

type Def = { type: string } & Record<string, unknown>;
type Zod = { _zod: { def: Def } };

export interface FieldDoc {
  /** e.g. `dataStores[].clusterArns.<region>` */
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly constraints: string;
  readonly description: string;
  /** For variants of a discriminated union, e.g. `traffic.strategy = "route53-weighted"`. */
  readonly when?: string;
}

const SCHEMA_FILE = resolve(__dirname, '..', 'config', 'schema.ts');
export const CONFIG_DOC_FILE = resolve(__dirname, '..', 'docs', 'configuration.md');

const def = (s: unknown): Def => (s as Zod)._zod.def;

/**
 * Doc comments of each exported schema constant, keyed by the field's path inside that constant
 * (`regions.standby.name`), from the source text: braces are counted outside strings, so a comment
 * belongs to the object it is written in, not to a same-named key elsewhere.
 */
function sourceComments(): Map<string, Map<string, string>> {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  const out = new Map<string, Map<string, string>>();
  const consts = [...text.matchAll(/export const (\w+)\s*=/g)];
  consts.forEach((m, i) => {
    const body = text.slice(m.index, consts[i + 1]?.index ?? text.length);
    const keys = new Map<string, string>();
    const token = /\/\*\*([\s\S]*?)\*\/|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`|\/\^(?:\\.|[^/\\\n])*\/[a-z]*|(\w+)\s*:(?!:)|[{}]/g;
    const openedBy: (string | undefined)[] = [];
    let lastKey: string | undefined;
    let pending: string | undefined;
    for (const t of body.matchAll(token)) {
      if (t[1] !== undefined) {
        pending = t[1]
          .split('\n')
          .map((l) =>
            l
              .replace(/^\s*\*\s?/, '')
              .replace(/\s*@\w+.*$/, '')
              .trim(),
          )
          .filter(Boolean)
          .join(' ');
      } else if (t[2] !== undefined) {
        lastKey = t[2];
        // The first brace opens the constant's own object: paths are relative to it.
        const path = [...openedBy.slice(1), t[2]].filter((k) => k !== undefined).join('.');
        if (pending && !keys.has(path)) keys.set(path, pending);
        pending = undefined;
      } else if (t[0] === '{') {
        openedBy.push(openedBy.length === 0 ? undefined : lastKey);
        lastKey = undefined;
      } else if (t[0] === '}') {
        openedBy.pop();
        pending = undefined;
      } else pending = undefined;
    }
    out.set(m[1], keys);
  });
  return out;
}

function leafInfo(schema: unknown): { type: string; constraints: string } {
  const js = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const parts: string[] = [];
  if (js.const !== undefined) parts.push(`exactly ${JSON.stringify(js.const)}`);
  if (Array.isArray(js.enum)) parts.push(`one of ${js.enum.map((e) => `\`${String(e)}\``).join(', ')}`);
  if (Array.isArray(js.anyOf)) {
    const consts = js.anyOf.map((a) => (a as { const?: unknown }).const).filter((c) => c !== undefined);
    if (consts.length) parts.push(`one of ${consts.map((c) => `\`${String(c)}\``).join(', ')}`);
  }
  if (typeof js.pattern === 'string') parts.push(`matches \`${js.pattern}\``);
  if (js.format === 'uri') parts.push('an http(s) URL');
  if (js.format === 'email') parts.push('an email address');
  if (typeof js.minimum === 'number') parts.push(`≥ ${js.minimum}`);
  if (typeof js.maximum === 'number') parts.push(`≤ ${js.maximum}`);
  if (typeof js.minLength === 'number') parts.push(`at least ${js.minLength} characters`);
  if (typeof js.maxLength === 'number') parts.push(`at most ${js.maxLength} characters`);
  if (typeof js.minItems === 'number') parts.push(`at least ${js.minItems} item(s)`);
  if (typeof js.maxItems === 'number') parts.push(`at most ${js.maxItems} item(s)`);
  return { type: String(js.type ?? (js.anyOf ? 'union' : 'value')), constraints: parts.join('; ') };
}

/** Walks the schema; objects and arrays open up, everything else is a documented leaf. */
export function configFields(): FieldDoc[] {
  const comments = sourceComments();
  const nameOf = new Map<unknown, string>();
  for (const [name, value] of Object.entries(schemas)) if (value && typeof value === 'object' && '_zod' in value) nameOf.set(value, name);
  const fields: FieldDoc[] = [];

  /** `rel` is the field's path inside `owner`, the nearest exported schema constant it is written in. */
  const visit = (schema: unknown, path: string, owner: string, rel: string, required: boolean, when?: string, dflt?: unknown): void => {
    const d = def(schema);
    const description = comments.get(owner)?.get(rel) ?? '';
    // Entering a named schema: its own fields are documented inside its constant.
    const named = nameOf.get(schema);
    const inner = (k: string) => (named ? { owner: named, rel: k } : { owner, rel: rel ? `${rel}.${k}` : k });
    switch (d.type) {
      case 'default':
        return visit(d.innerType, path, owner, rel, false, when, d.defaultValue);
      case 'optional':
        return visit(d.innerType, path, owner, rel, false, when, dflt);
      case 'pipe':
        return visit(d.in, path, owner, rel, required, when, dflt);
      case 'object': {
        if (path)
          fields.push({
            path,
            type: 'object',
            required,
            ...(dflt !== undefined ? { default: '(all defaults)' } : {}),
            constraints: 'no other fields',
            description,
            ...(when ? { when } : {}),
          });
        for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) {
          const at = inner(k);
          visit(v, path ? `${path}.${k}` : k, at.owner, at.rel, true, when);
        }
        return;
      }
      case 'array': {
        const info = leafInfo(schema);
        fields.push({
          path,
          type: 'array',
          required,
          ...(dflt !== undefined ? { default: dflt } : {}),
          constraints: info.constraints,
          description,
          ...(when ? { when } : {}),
        });
        const el = def(d.element);
        // Array items share the array's place in the source.
        if (el.type === 'object' || el.type === 'union') visit(d.element, `${path}[]`, owner, rel, true, when);
        return;
      }
      case 'record': {
        fields.push({ path, type: 'object (map)', required, constraints: 'keys: AWS region names', description, ...(when ? { when } : {}) });
        return visit(d.valueType, `${path}.<region>`, owner, rel, true, when);
      }
      case 'union': {
        const disc = d.discriminator as string | undefined;
        if (!disc) break;
        if (path && !path.endsWith('[]'))
          fields.push({
            path,
            type: 'object',
            required,
            constraints: `one of the variants below, chosen by \`${disc}\``,
            description,
            ...(when ? { when } : {}),
          });
        for (const option of d.options as unknown[]) {
          const value = (def((def(option).shape as Record<string, unknown>)[disc]) as { values?: unknown[] }).values?.[0];
          const variantWhen = `\`${path ? `${path}.` : ''}${disc}\` = \`${String(value)}\``;
          const optionName = nameOf.get(option);
          for (const [k, v] of Object.entries(def(option).shape as Record<string, unknown>)) {
            const at = optionName ? { owner: optionName, rel: k } : inner(k);
            if (k === disc) {
              const values = (d.options as unknown[]).map((o) => (def((def(o).shape as Record<string, unknown>)[disc]) as { values?: unknown[] }).values?.[0]);
              fields.push({
                path: `${path}.${k}`,
                type: 'string',
                required: true,
                constraints: `one of ${values.map((x) => `\`${String(x)}\``).join(', ')}`,
                description: comments.get(at.owner)?.get(at.rel) ?? 'Chooses the variant; the fields below say which variant they belong to.',
                ...(when ? { when } : {}),
              });
              continue;
            }
            visit(v, `${path}.${k}`, at.owner, at.rel, true, variantWhen);
          }
        }
        return;
      }
      default:
        break;
    }
    const info = leafInfo(schema);
    fields.push({
      path,
      type: info.type,
      required,
      ...(dflt !== undefined ? { default: dflt } : {}),
      constraints: info.constraints,
      description,
      ...(when ? { when } : {}),
    });
  };
  visit(schemas.configSchema, '', 'configSchema', '', true);
  // A field that appears under several variants is one field that several variants share.
  const merged = new Map<string, FieldDoc>();
  for (const f of fields) {
    const prev = merged.get(f.path);
    if (!prev) merged.set(f.path, f);
    else if (prev.when && f.when && prev.when !== f.when)
      merged.set(f.path, { ...prev, when: `${prev.when} or ${f.when.split(' = ')[1]}`, description: prev.description || f.description });
  }
  return [...merged.values()];
}

/** Cross-field rules from the schema's superRefine, as written there. */
function crossFieldRules(): string[] {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  // Whitespace between the parts is free (the formatter puts a long addIssue's fields on lines of their own).
  const rules = [...text.matchAll(/path:\s*\[([^\]]*)\],\s*message:\s*([`'])(.*?)\2/gs)].map((m) => {
    const path = m[1]
      .split(',')
      .map((p) => p.trim().replace(/^'|'$/g, ''))
      .map((p) => (/^[a-z]$/i.test(p) ? '[]' : p))
      .join('.')
      .replace(/\.\[\]/g, '[]');
    return `- \`${path}\`: ${m[3].replace(/\$\{[^}]*\}/g, '…')}`;
  });
  return [...new Set(rules)];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigDoc(): string {
  const fields = configFields();
  const top = [...new Set(fields.map((f) => f.path.split(/[.[]/)[0]))];
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npx tsx cli/config-doc.ts --write` from config/schema.ts. Do not edit by hand:',
    '     test/unit/cli/config-doc.test.ts fails when a schema field is missing here. -->',
    '',
    'One JSON file (default `dr.config.json` at the repository root) configures everything: the CDK app reads it',
    '(`npx cdk synth -c config=FILE` for another) and bundles it with every Lambda function as `dr-config.json`, and `drctl` reads it',
    '(`--config FILE`). It is parsed with one zod schema, strictly: an unknown field is an error, and every error',
    'names the field, e.g. `detection.quorum: must be at least 2: one signal alone never fails over`.',
    '',
    '`[]` in a path means "each item of the array"; `<region>` means one key per configured region name.',
    '',
  ];
  for (const t of top) {
    out.push(`## \`${t}\``, '', '| field | type | required | default | constraints | description |', '|---|---|---|---|---|---|');
    for (const f of fields.filter((x) => x.path === t || x.path.startsWith(`${t}.`) || x.path.startsWith(`${t}[`))) {
      const desc = [f.when ? `*When ${f.when}.*` : '', f.description].filter(Boolean).join(' ');
      out.push(
        `| \`${f.path}\` | ${cell(f.type)} | ${f.required ? 'yes' : 'no'} | ${f.default === undefined ? '' : `\`${cell(JSON.stringify(f.default))}\``} | ${cell(f.constraints)} | ${cell(desc)} |`,
      );
    }
    out.push('');
  }
  const rules = crossFieldRules();
  if (rules.length) out.push('## Rules across fields', '', 'Checked after each field is valid on its own:', '', ...rules, '');
  return `${out.join('\n').trimEnd()}\n`;
}

if (require.main === module) {
  const doc = renderConfigDoc();
  if (process.argv.includes('--write')) {
    writeFileSync(CONFIG_DOC_FILE, doc);
    process.stdout.write(`wrote ${CONFIG_DOC_FILE}\n`);
  } else process.stdout.write(doc);
}
