/**
 * Turns `npm run -s bench -- --json` output into the markdown table of docs/benchmarks.md, so the
 * document quotes a run verbatim: `npm run -s bench -- --json | tee run.jsonl | npx tsx bench/markdown.ts`.
 */
import { readFileSync } from 'node:fs';
import type { Measurement } from './lib';

const lines = readFileSync(0, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Measurement | ({ type: 'summary' } & Record<string, unknown>));

const rows = lines.filter((l): l is Measurement => l.type === 'measurement');
const out = ['| figure | value | goal | met |', '|---|---|---|---|'];
for (const m of rows) {
  const met = m.met === undefined ? '' : m.met === null ? 'n/a' : m.met ? 'yes' : '**no**';
  out.push(`| \`${m.name}\` | ${m.value === null ? 'n/a' : `${m.value} ${m.unit}`} | ${m.goal ?? ''} | ${met} |`);
}
const summary = lines.find((l) => l.type === 'summary') as Record<string, unknown> | undefined;
if (summary) out.push('', `date ${String(summary.date)}, machine ${JSON.stringify(summary.machine)}, ${String(summary.durationSeconds)} s`);
process.stdout.write(`${out.join('\n')}\n`);
