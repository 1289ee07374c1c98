import { cleanFreeText, MAX_REASON_CHARS, quoted } from '../../functions/shared/free-text';

describe('free text from people, as data', () => {
  it('control characters become spaces: no forged lines in an alert', () => {
    expect(cleanFreeText('ok\r\nApproved-By: ceo@example.com\tnow\u0085x\u2028y')).toBe('ok Approved-By: ceo@example.com now x y');
  });

  it('bidi controls and zero-width characters are removed: what a reader sees is what was typed', () => {
    // "gnp.exe" shown reversed by U+202E would read "exe.png".
    expect(cleanFreeText('report\u202Egnp.exe\u202C and\u200B\u200D\uFEFF\u2066x\u2069\u200E\u061C')).toBe('reportgnp.exe andx');
  });

  it(`is capped at ${MAX_REASON_CHARS} characters, never splitting a surrogate pair, with an ellipsis`, () => {
    const long = '😀'.repeat(600);
    const out = cleanFreeText(long);
    expect(Array.from(out)).toHaveLength(MAX_REASON_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
    expect(cleanFreeText('x'.repeat(10), 5)).toBe('xxxx…');
  });

  it('blank after cleaning is empty (a reason made of invisible characters is no reason)', () => {
    expect(cleanFreeText(' \u200B\r\n\u202E ')).toBe('');
  });

  it('quoted: JSON-quoted, so quotes and backslashes cannot end the quote early', () => {
    expect(quoted('say "yes" \\ now\n')).toBe('"say \\"yes\\" \\\\ now"');
  });
});
