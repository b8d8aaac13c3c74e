/**
 * The libpq environment for pg_dump / pg_restore, derived from the application's connection
 * URL. Everything travels in PG* variables so no password ever appears in an argument list
 * (visible to every local user through ps).
 */

/** URL query parameters libpq understands, and the variable that carries each. */
const QUERY_PARAMETERS: Record<string, string> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  port: 'PGPORT',
  sslmode: 'PGSSLMODE',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT',
  sslcrl: 'PGSSLCRL',
  sslcompression: 'PGSSLCOMPRESSION',
  sslsni: 'PGSSLSNI',
  requiressl: 'PGREQUIRESSL',
  gssencmode: 'PGGSSENCMODE',
  krbsrvname: 'PGKRBSRVNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  channel_binding: 'PGCHANNELBINDING',
  passfile: 'PGPASSFILE',
  service: 'PGSERVICE',
};

/** Variables kept from the parent environment: where libpq finds files, not whom it connects to. */
const INHERITED_PG_VARIABLES = new Set(['PGPASSFILE', 'PGSERVICEFILE', 'PGSYSCONFDIR', 'PGSSLROOTCERT']);

/**
 * `applicationName` labels the server session, so a dump or restore that outlives its client
 * (killed on timeout) can be found in pg_stat_activity and terminated.
 */
export function pgEnvironment(
  connectionString: string,
  applicationName: string,
  parent: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new Error('the database connection string is not a valid postgres:// URL');
  }
  const env = toolEnvironment(parent);
  if (url.hostname) env.PGHOST = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  for (const [key, value] of url.searchParams) {
    if (key === 'sslmode' && value === 'no-verify') {
      // node-postgres' "encrypt, do not verify"; libpq calls it require.
      env.PGSSLMODE = 'require';
      continue;
    }
    const variable = QUERY_PARAMETERS[key];
    if (variable) env[variable] = value;
  }
  env.PGAPPNAME = applicationName;
  return env;
}

/**
 * The parent environment without connection settings: what a tool that does not connect
 * (`--version`, `--list`) gets, and the base of a connecting tool's environment, where an
 * inherited PGHOST, PGUSER or PGPASSWORD would silently override or complete the URL.
 */
export function toolEnvironment(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (!name.startsWith('PG') || INHERITED_PG_VARIABLES.has(name)) env[name] = value;
  }
  return env;
}
