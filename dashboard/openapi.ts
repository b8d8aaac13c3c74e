// Regenerates dashboard/src/api/schema.d.ts, the types of the dashboard's API client, from the
// live OpenAPI document (the app built on a pool that never connects). Run after changing routes:
// `npm run dashboard:api`. A test checks the committed file is current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateApiTypes } from './openapi-types.ts';

const target = fileURLToPath(new URL('./src/api/schema.d.ts', import.meta.url));
writeFileSync(target, await generateApiTypes());
console.log(`dashboard: wrote ${target}`);
