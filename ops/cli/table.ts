/** Plain-text tables for people: a header, aligned columns, numbers right-aligned. */

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  align?: 'left' | 'right';
}

const cell = (v: string | number | null | undefined): string => (v === null || v === undefined ? '-' : typeof v === 'number' ? v.toLocaleString('en-US') : v);

export function renderTable<Row>(rows: Row[], columns: Array<Column<Row>>, empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const right = columns.map((c, i) => c.align === 'right' || (c.align === undefined && rows.every((r) => typeof c.value(r) === 'number' || c.value(r) == null) && cells.some((row) => row[i] !== '-')));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** `key: value` lines, the values aligned. */
export function renderFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${cell(v)}`).join('\n');
}
