import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressProblem, callbackUrlProblem } from './callback-url.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Name resolution, injectable so tests can play a rebinding DNS server without any network. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** A refused target: permanent, since retrying cannot make the address acceptable. */
export class CallbackTargetError extends Error {
  override name = 'CallbackTargetError';
}

/**
 * The lookup the socket uses to dial: every address the name resolves to is judged, and the
 * connection is refused before it is made if any is not public unicast. Checking here, on the
 * addresses actually dialled, is what defeats DNS rebinding between a check and the request.
 */
export function guardedLookup(resolver: Resolver, allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolver(hostname).then(
      (addresses) => {
        const refused = allowPrivate
          ? undefined
          : addresses.map((a) => addressProblem(a.address)).find(Boolean);
        if (addresses.length === 0) return callback(new CallbackTargetError(`${hostname} has no address`));
        if (refused) {
          return callback(
            new CallbackTargetError(`callback host ${hostname} resolves to a refused address: ${refused}`),
          );
        }
        if (options?.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: unknown) => callback(err),
    );
  }) as LookupFunction;
}

export interface DeliveryOptions {
  allowPrivate: boolean;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  resolver?: Resolver;
}

/**
 * POSTs `body` to `url` and resolves with the status code. Redirects are not followed (a
 * redirect could point anywhere). The timeout is a plain timer owned by this request, so it
 * fires on time whatever the garbage collector does.
 */
export function postJson(url: string, body: string, options: DeliveryOptions): Promise<number> {
  const problem = callbackUrlProblem(url, options.allowPrivate);
  if (problem) return Promise.reject(new CallbackTargetError(`callback_url ${problem}`));
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(target, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
      lookup: guardedLookup(options.resolver ?? systemResolver, options.allowPrivate),
      // A fresh socket per delivery: a pooled keep-alive socket would skip the lookup above.
      agent: false,
      signal: options.signal,
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`callback ${url} timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}
