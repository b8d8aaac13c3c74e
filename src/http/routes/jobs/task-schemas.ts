import type { TaskRegistry } from '../../../jobs/registry.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown> };

/** A TypeBox schema as plain JSON Schema (its symbol-keyed metadata dropped). */
const plain = (schema: unknown): JsonSchema => JSON.parse(JSON.stringify(schema));

export const variantName = (task: string) => `JobRequest.${task}`;

/**
 * OpenAPI components describing the dispatch body exactly: `JobRequest` becomes a `oneOf` with
 * one variant per task an API key may dispatch (system tasks are not listed), discriminated by
 * `task`, each carrying that task's payload schema. A client generated from the document then
 * type-checks payloads. Admin tasks run centrally, so their variant has no `tenant`.
 */
export function dispatchRequestSchemas(
  registry: TaskRegistry,
  base: object | undefined,
): Record<string, JsonSchema> {
  const common = plain(base ?? {});
  delete common.$id;
  delete common.examples;
  const schemas: Record<string, JsonSchema> = {};
  const mapping: Record<string, string> = {};
  const tasks = registry
    .all()
    .filter((d) => d.audience !== 'system')
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const definition of tasks) {
    const properties: Record<string, unknown> = {
      ...common.properties,
      task: { type: 'string', const: definition.name },
      payload: plain(definition.payload),
    };
    if (definition.audience === 'admin') delete properties.tenant;
    const required = ['task', ...(definition.check.Check({}) ? [] : ['payload'])];
    schemas[variantName(definition.name)] = {
      type: 'object',
      title: `Dispatch ${definition.name}`,
      description:
        definition.audience === 'admin'
          ? `Admin keys only; runs centrally (default queue ${definition.queue}).`
          : `Tenant keys dispatch into their own tenant; admin keys name it (default queue ${definition.queue}).`,
      required,
      properties,
      additionalProperties: false,
    };
    mapping[definition.name] = `#/components/schemas/${variantName(definition.name)}`;
  }
  schemas.JobRequest = {
    description: 'A job to dispatch: one variant per task, chosen by `task`.',
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'task', mapping },
  };
  return schemas;
}
