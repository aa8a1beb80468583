/**
 * The one text-table renderer: aligned columns under a header and a dashed
 * underline, or `Label : value` lines, in the manner of PowerShell's
 * Format-Table and Format-List. Output ends with a newline and has no
 * trailing spaces. The admin CLI and the node executors' console views both
 * lay their text out here; they differ only in the {@link TableLayout} they
 * pass and in how they turn their values into cells.
 */

/** A value a cell can show. */
export type Cell = string | number | boolean | null | undefined;

/** One column: its header, how to read its cell from a row, and its alignment (left unless given). */
export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
  align?: 'left' | 'right';
}

/** How a table is spaced: the gap between columns, and whether the underline spans the header or the whole column. */
export interface TableLayout {
  gap: string;
  underline: 'header' | 'column';
}

/** The admin CLI's tables (docs/cli.md): two spaces apart, underlines as wide as their column. */
export const ADMIN_LAYOUT: TableLayout = { gap: '  ', underline: 'column' };

/** PowerShell's default console tables: one space apart, underlines as long as their header. */
export const POWERSHELL_LAYOUT: TableLayout = { gap: ' ', underline: 'header' };

// Text in cells comes from the nodes and the engineer: an escape sequence in
// it must not be able to rewrite a terminal, so controls are shown, not sent.
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Control characters other than tab and line feed become U+FFFD. */
export function showControls(text: string): string {
  return text.replace(CONTROL, '\uFFFD');
}

/** Shows a cell: nothing for null, yes/no for booleans; tabs become four spaces and other control characters U+FFFD. */
export function renderCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return showControls(String(value).replace(/\r\n/g, '\n').replace(/\t/g, '    '));
}

/**
 * Lays rows out as a table. A cell with line breaks spans several lines, the
 * other cells of its row staying on the first, so transcript output keeps its shape.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], layout: TableLayout = ADMIN_LAYOUT): string {
  const cells = rows.map((row) => columns.map((c) => renderCell(c.value(row)).split('\n')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => Math.max(...r[i]!.map((line) => line.length)))));
  const line = (parts: readonly string[]) =>
    parts.map((p, i) => (columns[i]!.align === 'right' ? p.padStart(widths[i]!) : p.padEnd(widths[i]!))).join(layout.gap).trimEnd();
  const underline = columns.map((c, i) => '-'.repeat(layout.underline === 'header' ? c.header.length : widths[i]!));
  const out = [line(columns.map((c) => c.header)), line(underline)];
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(row.map((c) => c[k] ?? '')));
  }
  return out.join('\n') + '\n';
}

/** Lays label/value pairs out as `Label : value`, labels padded to one width, further lines of a value indented under its first. */
export function renderList(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  const indent = ' '.repeat(width + 3);
  return (
    pairs
      .map(([label, value]) => {
        const [first, ...rest] = renderCell(value).split('\n');
        return [`${label.padEnd(width)} : ${first}`.trimEnd(), ...rest.map((r) => `${indent}${r}`.trimEnd())].join('\n');
      })
      .join('\n') + '\n'
  );
}
