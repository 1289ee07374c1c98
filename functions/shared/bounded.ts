/**
 * Helpers for results that travel in the workflow state: Step Functions fails an execution, uncatchably, when a
 * state's input or output exceeds 256 KiB (docs/architecture.md, "Bounded payloads"), so anything that grows with
 * the data is measured or cut before it is returned.
 */

/** Size of `value` as Step Functions counts it: JSON text in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Cuts `text` to at most `max` characters, ending with an ellipsis when it was cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
