/**
 * Text people type (reject reasons, `drctl failover --reason`) travels into emails, alerts, the audit table and
 * the Step Functions history. It must arrive there as data: no line breaks that forge a header or a second
 * "approved" line, no bidi controls that reorder what a reader sees, no invisible characters, and a bounded size.
 */

/** C0 and C1 controls (tab, CR, LF included), DEL, and the Unicode line and paragraph separators. */
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
/**
 * Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the implicit marks (LRM, RLM, ALM),
 * and the zero-width characters that hide text or split words (U+200B-U+200D, U+2060, U+FEFF).
 */
const isInvisible = (c: number) =>
  c === 0x061c || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || c === 0x2060 || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff;

/** Longest reason kept, in characters (code points). A reason is a sentence, not a report. */
export const MAX_REASON_CHARS = 500;

/**
 * Cleans free text: control characters become spaces, bidi and zero-width characters are removed, runs of
 * spaces collapse, and the result is cut to `max` characters (code points, never half a surrogate pair) with
 * an ellipsis when something was cut.
 */
export function cleanFreeText(text: string, max = MAX_REASON_CHARS): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const c = ch.codePointAt(0) ?? 0;
    if (isInvisible(c)) continue;
    out += isControl(c) ? ' ' : ch;
  }
  const flat = out.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max
    ? flat
    : `${chars
        .slice(0, Math.max(0, max - 1))
        .join('')
        .trimEnd()}…`;
}

/**
 * Free text as quoted data for an alert or a log line: cleaned, then JSON-quoted, so quotes and backslashes are
 * escaped and a reader can always tell where the person's words end.
 */
export function quoted(text: string, max = MAX_REASON_CHARS): string {
  return JSON.stringify(cleanFreeText(text, max));
}
