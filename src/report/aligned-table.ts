const NONE: ReadonlySet<number> = new Set();

/**
 * A plain-text table for the terminal: the header, a rule of dashes and the rows, columns two spaces apart and as
 * wide as their widest cell; cells right-aligned except in the `left` columns; no trailing spaces; lines joined
 * by `\n` with no trailing newline.
 */
export function alignedTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: ReadonlySet<number> = NONE
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const cell = (c: string, i: number) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!));
  const line = (r: readonly string[]) => r.map(cell).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
