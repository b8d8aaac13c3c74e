import { AppError } from '../errors.ts';

/** SQLSTATEs and socket errors that mean "the server is not reachable right now", not "bad data". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);

/**
 * SQLSTATEs of a server that cannot do the work right now, though it answered: an outage of a
 * kind (503 with Retry-After), never the caller's mistake and never a fault of ours to hide
 * behind a 500. Not connection errors: a worker does not wait for these to pass.
 */
const TRANSIENT_CODES = new Map([
  ['25006', 'the database is read-only at the moment (a standby, or a failover under way)'],
  ['57014', 'the database cancelled the statement (a timeout or an operator)'],
  ['57P04', 'the database was dropped'],
  ['57P05', 'the database closed an idle session'],
  ['55P03', 'a row or table it needs is locked'],
  ['40003', 'the database could not tell whether the statement completed'],
  ['08007', 'the database could not tell whether the transaction committed'],
  ['08P01', 'the connection to the database broke its protocol'],
]);

/** Messages node-postgres uses for a connection that went away without a code. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'the database system is',
  // 55000 at connect: ALTER DATABASE … ALLOW_CONNECTIONS false, a maintenance window. The code
  // alone says nothing of connections (55000 is any object in the wrong state), the text does.
  'is not currently accepting connections',
];

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when retrying once the server answers again could succeed: connection-level failures. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = sqlState(err);
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  if (err instanceof AggregateError && err.errors.some(isConnectionError)) return true;
  return CONNECTION_MESSAGES.some((m) => err.message.includes(m));
}

/** Deadlocks and serialization failures: the same statement may well succeed when run again. */
export function isRetryableConflict(err: unknown): boolean {
  const code = sqlState(err);
  return code === '40P01' || code === '40001';
}

/**
 * The client-facing meaning of a database error that reached a route, or undefined for a
 * genuine server fault (logged, answered 500). Input the schemas let through but the database
 * refuses is the caller's mistake: 4xx, never 5xx.
 */
export function appErrorFromDatabase(err: unknown): AppError | undefined {
  if (isConnectionError(err)) return new AppError('unavailable', 'the database is not reachable; try again');
  const code = sqlState(err);
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code === '23503') return new AppError('conflict', 'it refers to a row that does not exist');
  if (code === '23505') return new AppError('conflict', 'it conflicts with an existing row');
  if (code === '23514' || code === '23502') return new AppError('bad_request', 'a value is out of range');
  if (code === '40P01' || code === '40001') {
    return new AppError('unavailable', 'the request conflicted with another; try again');
  }
  // Class 53: insufficient resources (disk full, out of memory, a configured limit).
  const transient =
    TRANSIENT_CODES.get(code) ?? (code.startsWith('53') ? 'the database is short of resources' : undefined);
  if (transient) return new AppError('unavailable', `${transient}; try again`);
  // Class 22 (data exception) and 54 (program limit exceeded): values the server cannot take.
  if (code.startsWith('22') || code.startsWith('54')) {
    return new AppError('bad_request', 'a value is not acceptable to the database');
  }
  return undefined;
}
