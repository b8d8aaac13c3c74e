/** Prints rows as an aligned text table; long cells are cut so a row stays on one line. */
export function printTable(rows: Record<string, unknown>[], columns: string[], maxWidth = 60): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cell = (value: unknown) => {
    const text =
      value instanceof Date
        ? value.toISOString()
        : value === null || value === undefined
          ? ''
          : String(value);
    const line = text.replace(/\s+/g, ' ');
    return line.length > maxWidth ? `${line.slice(0, maxWidth - 1)}…` : line;
  };
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const format = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(format(columns.map((c) => c.toUpperCase())));
  for (const row of cells) console.log(format(row));
}
