import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateApiTypes } from '../../dashboard/openapi-types.ts';

describe("the dashboard's API client types", () => {
  it('are generated from the current OpenAPI document (npm run dashboard:api)', async () => {
    const committed = await readFile(new URL('../../dashboard/src/api/schema.d.ts', import.meta.url), 'utf8');
    expect(
      committed === (await generateApiTypes()),
      'dashboard/src/api/schema.d.ts is stale: run npm run dashboard:api',
    ).toBe(true);
  });
});
