import type { StoreHarness } from './harness.ts';
import { inputContract } from './input.ts';
import { limitsContract } from './limits.ts';
import { operationContract } from './operations.ts';
import { rememberContract } from './remember.ts';
import { scopeContract } from './scopes.ts';

export { freshCache, type StoreHarness } from './harness.ts';

/**
 * The cache contract: every store must pass all of it unchanged. Call it inside a describe
 * that opens the store in beforeAll; the suite never waits for a TTL (the harness expires
 * entries on demand) and isolates each test in a tenant of its own.
 */
export function cacheContract(h: StoreHarness): void {
  operationContract(h);
  scopeContract(h);
  inputContract(h);
  rememberContract(h);
  limitsContract(h);
}
