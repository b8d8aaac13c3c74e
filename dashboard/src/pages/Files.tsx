import { useState } from 'preact/hooks';
import { api, authHeaders, call, downloadWithKey, type Schemas, toApiError } from '../api/client.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Session } from '../session.ts';
import { useLoad } from '../ui/data.ts';
import { ago, dateTime, size } from '../ui/format.ts';
import { Confirm, Empty, ErrorBox, Loading, Pager, toast, useNow } from '../ui/parts.tsx';

type TenantFile = Schemas['TenantFile'];

const fileUrl = (path: string, tenant: string) =>
  `/api/files/${encodeURIComponent(path)}?tenant=${encodeURIComponent(tenant)}`;

/** Sends the file as the request's body, as any client of PUT /api/files/{path} would. */
async function upload(path: string, tenant: string, file: File): Promise<{ replaced: boolean }> {
  const response = await fetch(fileUrl(path, tenant), {
    method: 'PUT',
    headers: { ...authHeaders(), 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response, body);
  return { replaced: response.status === 200 };
}

export default function Files({ session }: { session: Session }) {
  const admin = session.kind === 'admin';
  const { query } = useLocation();
  // An admin names the tenant (files live in each tenant's schema); a tenant key has its own.
  const tenant = admin ? (query.get('tenant') ?? '') : (session.tenant ?? '');
  const prefix = query.get('prefix') ?? '';
  const [token, setToken] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [path, setPath] = useState('');
  const [deleting, setDeleting] = useState<TenantFile | null>(null);
  const [started, setStarted] = useState<{ id: string; path: string } | null>(null);
  const [shared, setShared] = useState<{ path: string; url: string; until: string } | null>(null);
  const now = useNow(10_000);
  const list = useLoad(async () => {
    if (!tenant) return undefined;
    return call(
      api.GET('/api/files', {
        params: { query: { tenant, page_size: 50, page_token: token, ...(prefix ? { prefix } : {}) } },
      }),
    );
  }, [tenant, prefix, token]);
  const rows = list.data?.files ?? [];

  const importClients = async (file: TenantFile) => {
    try {
      const job = await call(
        api.POST('/api/jobs', {
          body: {
            task: 'import-clients',
            payload: { path: file.path, sha256: file.sha256 },
            ...(admin ? { tenant: file.tenant } : {}),
          },
        }),
      );
      const id = String((job as { id: string }).id);
      setStarted({ id, path: file.path });
      toast(`Import of ${file.path} started (job ${id})`);
    } catch (err) {
      toast(`The import could not start: ${(err as Error).message}`, 'error');
    }
  };

  const makeLink = async (file: TenantFile) => {
    try {
      const made = await call(
        api.POST('/api/files/{path}/links', {
          params: { path: { path: file.path }, query: { tenant: file.tenant } },
        }),
      );
      setShared({ path: file.path, url: `${location.origin}${made.url}`, until: made.expires_at });
    } catch (err) {
      toast(`The link could not be made: ${(err as Error).message}`, 'error');
    }
  };

  return (
    <section aria-labelledby="files-title">
      <h1 id="files-title" tabIndex={-1}>
        Files
      </h1>
      <form
        class="filters"
        aria-label="Choose files"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          setToken(undefined);
          setQuery({
            tenant: admin ? String(form.get('tenant') ?? '').trim() || undefined : undefined,
            prefix: String(form.get('prefix') ?? '').trim() || undefined,
          });
        }}
      >
        {admin && (
          <label>
            Tenant
            <input name="tenant" required placeholder="tenant id" defaultValue={tenant} />
          </label>
        )}
        <label>
          Path starts with
          <input name="prefix" placeholder="imports/" defaultValue={prefix} />
        </label>
        <div class="filter-actions">
          <button type="submit">Show files</button>
        </div>
      </form>
      {tenant && (
        <form
          class="filters"
          aria-label="Upload a file"
          onSubmit={async (event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
            if (!file) return;
            const target = path.trim() || file.name;
            setBusy(true);
            try {
              const { replaced } = await upload(target, tenant, file);
              toast(`${replaced ? 'Replaced' : 'Stored'} ${target}`);
              form.reset();
              setPath('');
              setToken(undefined);
              list.reload();
            } catch (err) {
              toast(`The upload failed: ${(err as Error).message}`, 'error');
            } finally {
              setBusy(false);
            }
          }}
        >
          <label>
            File
            <input
              name="file"
              type="file"
              required
              onChange={(event) => setPath(event.currentTarget.files?.[0]?.name ?? '')}
            />
          </label>
          <label>
            Store as
            <input
              name="path"
              value={path}
              onInput={(e) => setPath(e.currentTarget.value)}
              placeholder="path"
            />
          </label>
          <div class="filter-actions">
            <button type="submit" class="primary" disabled={busy}>
              Upload
            </button>
          </div>
        </form>
      )}
      {started && (
        <p role="status">
          Importing {started.path}: <Link href={`/jobs/${started.id}`}>job {started.id}</Link>
        </p>
      )}
      {shared && (
        <p role="status" class="file-link">
          <label>
            Link to {shared.path}, without a key until {dateTime(shared.until)}
            <input
              class="file-link-url"
              readOnly
              value={shared.url}
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
        </p>
      )}
      {!tenant && <Empty>Name a tenant to see its files.</Empty>}
      {list.error && <ErrorBox error={list.error} what="files" />}
      {tenant && !list.data && !list.error && <Loading what="files" />}
      {list.data &&
        (rows.length === 0 ? (
          <Empty>No file{prefix ? ` under ${prefix}` : ''} yet.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Files of {tenant}, by path</caption>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Size</th>
                  <th scope="col">Type</th>
                  <th scope="col">Stored</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => (
                  <tr key={f.path} data-file={f.path}>
                    <td>{f.path}</td>
                    <td>{size(f.byte_size)}</td>
                    <td>{f.content_type}</td>
                    <td>{ago(f.stored_at, now)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() =>
                          downloadWithKey(
                            fileUrl(f.path, f.tenant),
                            f.path.slice(f.path.lastIndexOf('/') + 1),
                          ).catch((err: Error) => toast(`Download failed: ${err.message}`, 'error'))
                        }
                      >
                        Download <span class="sr-only">{f.path}</span>
                      </button>{' '}
                      {/\.csv$/i.test(f.path) && (
                        <>
                          <button type="button" onClick={() => importClients(f)}>
                            Import clients <span class="sr-only">from {f.path}</span>
                          </button>{' '}
                        </>
                      )}
                      <button type="button" onClick={() => makeLink(f)}>
                        Link <span class="sr-only">to {f.path}</span>
                      </button>{' '}
                      <button type="button" onClick={() => setDeleting(f)}>
                        Delete… <span class="sr-only">{f.path}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager next={list.data?.next_page_token} token={token} onPage={setToken} />
      <Confirm
        open={deleting !== null}
        title="Delete file"
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (!target) return;
          call(
            api.DELETE('/api/files/{path}', { params: { path: { path: target.path }, query: { tenant } } }),
          )
            .then(() => {
              toast(`${target.path} deleted`);
              // Its row, with the button the dialog gave focus back to, goes: focus stays on the page.
              document.getElementById('files-title')?.focus();
              list.reload();
            })
            .catch((err: Error) => toast(`The file could not be deleted: ${err.message}`, 'error'));
        }}
      >
        <p>
          Delete {deleting?.path}
          {admin ? ` of ${tenant}` : ''}? Its room in the tenant's file quota is freed. This cannot be undone.
        </p>
      </Confirm>
    </section>
  );
}
