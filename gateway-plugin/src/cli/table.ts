/**
 * Plain-text layouts in the manner of PowerShell's Format-Table and
 * Format-List: aligned columns under a header and a dashed underline, or
 * `Label : value` lines. Output ends with a newline and has no trailing spaces.
 */

export type Cell = string | number | boolean | null | undefined;

/** One column: its header and how to read its cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
}

// Transcript text comes from the nodes and the engineer: an escape sequence in
// it must not be able to rewrite the admin's terminal, so controls are shown, not sent.
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Shows a cell: nothing for null, yes/no for booleans; tabs become spaces and other control characters become U+FFFD. */
export function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/\r\n/g, '\n').replace(/\t/g, '    ').replace(CONTROL, '\uFFFD');
}

const GAP = '  ';

/**
 * Lays rows out as a table. A cell with line breaks spans several lines, the
 * other cells of its row staying on the first, so transcript output keeps its shape.
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row)).split('\n')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => Math.max(...r[i]!.map((line) => line.length)))));
  const line = (parts: string[]) => parts.map((p, i) => p.padEnd(widths[i]!)).join(GAP).trimEnd();
  const out = [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(row.map((c) => c[k] ?? '')));
  }
  return out.join('\n') + '\n';
}

/** Lays label/value pairs out as `Label : value`, labels padded to one width. */
export function formatList(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  const indent = ' '.repeat(width + 3);
  return (
    pairs
      .map(([label, value]) => {
        const [first, ...rest] = cellText(value).split('\n');
        return [`${label.padEnd(width)} : ${first}`.trimEnd(), ...rest.map((r) => `${indent}${r}`.trimEnd())].join('\n');
      })
      .join('\n') + '\n'
  );
}
