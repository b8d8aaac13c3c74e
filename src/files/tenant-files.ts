import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { FileLimits } from '../config.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { checkFilePath } from './path.ts';
import { findFile, listFiles, readFile, type StoredFile } from './repository.ts';
import { deleteFile, type FileSource, type WrittenFile, writeFile } from './write.ts';

/**
 * One tenant's files, as a task handler gets them (`ctx.files`) and the CLI uses them: every
 * method is bound to that tenant's schema, so no path reaches another tenant's files. Paths
 * are checked as the API checks them; a missing file is a not_found error.
 */
export class TenantFiles {
  private readonly db: Db;
  readonly tenantId: string;
  private readonly limits: FileLimits;

  constructor(db: Db, tenantId: string, limits: FileLimits) {
    this.db = db;
    this.tenantId = tenantId;
    this.limits = limits;
  }

  /** The file's description, or undefined when there is none at `path`. */
  async stat(path: string): Promise<StoredFile | undefined> {
    return findFile(this.db, this.tenantId, checkFilePath('path', path));
  }

  /** The file's bytes as a stream, with its description. */
  async open(path: string): Promise<{ file: StoredFile; stream: Readable }> {
    const file = await this.stat(path);
    if (!file) throw notFound(`file ${path} of tenant ${this.tenantId}`);
    return { file, stream: readFile(this.db, this.tenantId, file) };
  }

  /** The whole file in memory (at most FILE_MAX_BYTES). */
  async read(path: string): Promise<Buffer> {
    const { stream } = await this.open(path);
    return Buffer.concat(await stream.toArray());
  }

  async readText(path: string): Promise<string> {
    return text((await this.open(path)).stream);
  }

  /** Stores `data` at `path`, replacing any file there once every byte is stored. */
  async write(
    path: string,
    data: FileSource,
    contentType = 'application/octet-stream',
  ): Promise<WrittenFile> {
    return writeFile(this.db, this.tenantId, checkFilePath('path', path), data, {
      contentType,
      limits: this.limits,
    });
  }

  /** false when there was no file at `path`. */
  async remove(path: string): Promise<boolean> {
    return deleteFile(this.db, this.tenantId, checkFilePath('path', path));
  }

  /** Up to `limit` files by path, those under `prefix` only when given. */
  async list(options: { prefix?: string; after?: string; limit?: number } = {}): Promise<StoredFile[]> {
    return listFiles(this.db, this.tenantId, { ...options, limit: options.limit ?? 1000 });
  }
}
