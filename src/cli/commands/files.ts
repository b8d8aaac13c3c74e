import { type Command, InvalidArgumentError } from 'commander';
import { filePathProblem } from '../../files/path.ts';
import type { Runtime } from '../../runtime.ts';
import { intArg, listLimit, tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';

function filePathArg(value: string): string {
  const problem = filePathProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** What a file is stored as when --content-type is not given: by its extension, else bytes. */
const TYPES: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  zip: 'application/zip',
  gz: 'application/gzip',
};
const typeOf = (path: string) =>
  TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/** The tenant's files; a tenant that does not exist is a not-found, not an empty list. */
const tenantFiles = async (runtime: Runtime, tenant: string) => {
  const [{ requireTenant }, { TenantFiles }] = await Promise.all([
    import('../../db/tenants.ts'),
    import('../../files/tenant-files.ts'),
  ]);
  await requireTenant(runtime.db, tenant);
  return new TenantFiles(runtime.db, tenant, runtime.config.fileLimits);
};

/** `tenantry files list|put|get|rm`: a tenant's files, as the API and task handlers see them. */
export function registerFileCommands(program: Command): void {
  const files = program.command('files').description("a tenant's files (kept in its schema and its backups)");

  files
    .command('list')
    .argument('<tenant>', 'tenant id', tenantIdArg)
    .option('--prefix <prefix>', 'only paths starting with this')
    .option('--limit <n>', 'at most this many (1-10000, default 100)', listLimit, 100)
    .option('--json', 'one JSON object per file')
    .description('the tenant’s files by path')
    .action(async (tenant: string, opts: { prefix?: string; limit: number; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const found = await (await tenantFiles(runtime, tenant)).list({
          prefix: opts.prefix,
          limit: opts.limit,
        });
        const rows = found.map((f) => ({
          path: f.path,
          bytes: Number(f.byte_size),
          content_type: f.content_type,
          sha256: f.sha256,
          stored_at: f.stored_at.toISOString(),
        }));
        if (opts.json) for (const row of rows) console.log(JSON.stringify(row));
        else printTable(rows, ['path', 'bytes', 'content_type', 'stored_at']);
      });
    });

  files
    .command('put')
    .argument('<tenant>', 'tenant id', tenantIdArg)
    .argument('<path>', 'where to store it among the tenant’s files', filePathArg)
    .argument('<file>', 'the local file to read; - for stdin')
    .option('--content-type <type>', 'stored and served with it (default: by extension)')
    .description('store a file, replacing any at its path once every byte is stored')
    .action(async (tenant: string, path: string, local: string, opts: { contentType?: string }) => {
      const [{ createReadStream }, { uploadContentType }] = await Promise.all([
        import('node:fs'),
        import('../../files/upload-headers.ts'),
      ]);
      const contentType = uploadContentType(opts.contentType ?? typeOf(path));
      await withRuntime(async (runtime) => {
        const target = await tenantFiles(runtime, tenant);
        const source = local === '-' ? process.stdin : createReadStream(local);
        const { file, replaced } = await target.write(path, source, contentType);
        console.log(
          `${replaced ? 'replaced' : 'stored'} ${file.path} of ${tenant}: ${file.byte_size} bytes, sha256 ${file.sha256}`,
        );
      });
    });

  files
    .command('get')
    .argument('<tenant>', 'tenant id', tenantIdArg)
    .argument('<path>', 'the file’s path', filePathArg)
    .option('-o, --output <file>', 'where to write (default: its name, here); - for stdout')
    .option('--force', 'replace the local file if it exists')
    .description('write a file out, whole or not at all')
    .action(async (tenant: string, path: string, opts: { output?: string; force?: boolean }) => {
      const [{ writeExportFile }, { pipeline }, { fileName }] = await Promise.all([
        import('../export-file.ts'),
        import('node:stream/promises'),
        import('../../files/path.ts'),
      ]);
      await withRuntime(async (runtime) => {
        const source = await tenantFiles(runtime, tenant);
        const target = opts.output ?? fileName(path);
        const { file, stream } = await source.open(path);
        if (target === '-') await pipeline(stream, process.stdout);
        else {
          await writeExportFile(target, Boolean(opts.force), (out) => pipeline(stream, out));
          console.error(`wrote ${file.byte_size} bytes to ${target}`);
        }
      });
    });

  files
    .command('link')
    .argument('<tenant>', 'tenant id', tenantIdArg)
    .argument('<path>', 'the file’s path', filePathArg)
    .option(
      '--expires-in <seconds>',
      'how long the link works (60-604800, default 86400)',
      intArg(60, 604_800),
      86_400,
    )
    .description(
      'a signed link that downloads the file without a key until it expires (the path to append to the API’s address)',
    )
    .action(async (tenant: string, path: string, opts: { expiresIn: number }) => {
      const [{ existingAdminKey }, { FileLinks, SHARED_FILE_ROUTE }] = await Promise.all([
        import('../../admin-key.ts'),
        import('../../files/links.ts'),
      ]);
      await withRuntime(async (runtime) => {
        const file = await (await tenantFiles(runtime, tenant)).stat(path);
        if (!file) throw new Error(`file ${path} of tenant ${tenant} was not found`);
        // Signed with the API's key: the links the API makes and these are the same.
        const key = await existingAdminKey(runtime.config);
        if (!key) {
          throw new Error(
            'no admin key here (TENANTRY_ADMIN_KEY, or DATA_DIR/admin.key of a started service): a link must be signed with the API’s',
          );
        }
        const expiresAt = new Date(Date.now() + opts.expiresIn * 1000);
        const token = new FileLinks(key).sign({
          tenant,
          path,
          sha256: file.sha256,
          expiresAt,
          minter: 'root',
        });
        console.log(`${SHARED_FILE_ROUTE}/${token}`);
        console.error(
          `works until ${expiresAt.toISOString()}, while ${path} keeps these bytes and ${tenant} is active`,
        );
      });
    });

  files
    .command('rm')
    .argument('<tenant>', 'tenant id', tenantIdArg)
    .argument('<path>', 'the file’s path', filePathArg)
    .description('delete a file (gives its room in the tenant’s file quota back)')
    .action(async (tenant: string, path: string) => {
      await withRuntime(async (runtime) => {
        if (!(await (await tenantFiles(runtime, tenant)).remove(path))) {
          throw new Error(`file ${path} of tenant ${tenant} was not found`);
        }
        console.log(`deleted ${path} of ${tenant}`);
      });
    });
}
