import type { ExportFormat } from '../db/schema-job-logs.ts';

/**
 * Frames lines the server already encoded (exportLines) into a file, batch by batch: CSV
 * records under a header line, or the elements of one JSON array.
 */
export class ExportEncoder {
  private started = false;

  constructor(
    private readonly format: ExportFormat,
    private readonly columns: readonly string[],
  ) {}

  batch(lines: string[]): string {
    if (this.format === 'csv') {
      const header = this.started ? '' : `${this.columns.join(',')}\n`;
      this.started = true;
      return lines.length === 0 ? header : `${header}${lines.join('\n')}\n`;
    }
    if (lines.length === 0) return '';
    const prefix = this.started ? ',\n' : '[\n';
    this.started = true;
    return prefix + lines.join(',\n');
  }

  end(): string {
    if (this.format === 'csv') return this.started ? '' : `${this.columns.join(',')}\n`;
    return this.started ? '\n]\n' : '[]\n';
  }
}
