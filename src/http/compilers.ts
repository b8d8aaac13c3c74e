import { AjvCompiler, type RouteDefinition } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { QUERY_CACHE_BUSTER } from './input-guard.ts';

const AJV_OPTIONS = { removeAdditional: false, allErrors: true } as const;

type Validate = ((data: unknown) => boolean | Promise<unknown>) & { errors?: unknown };

/** Compiles on first use: a route nobody calls costs nothing at start. */
function lazyValidator(build: () => Validate): Validate {
  let compiled: Validate | undefined;
  const validate: Validate = (data) => {
    compiled ??= build();
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  };
  return validate;
}

/**
 * A query string names only the parameters its route documents: a misspelt filter
 * (`?stauts=failed`) is a 400 naming it, not a listing of everything, which a bulk action
 * built on that listing would then act on.
 */
function closedQuery(route: RouteDefinition): RouteDefinition {
  const schema = route.schema as { type?: unknown; additionalProperties?: unknown; properties?: object };
  if (schema.type !== 'object' || schema.additionalProperties !== undefined) return route;
  // `_`, a browser cache-buster, is let through (input-guard.ts).
  const properties = { ...schema.properties, [QUERY_CACHE_BUSTER]: {} };
  return { ...route, schema: { ...schema, properties, additionalProperties: false } } as RouteDefinition;
}

/**
 * Fastify compiles every route's validators and response serializers when it starts (hundreds
 * of schemas: each route documents up to ten problem responses). These compilers build each one
 * the first time it is used instead, which takes most of the API's start time off the critical
 * path to its first answer. Validation itself is unchanged:
 * - query strings, path parameters and headers are text, so their schemas coerce ("50" to 50);
 * - a query string may hold only the parameters its route documents (closedQuery);
 * - JSON bodies are typed already and never coerced: `{"name": 5}` is a 400, not "5".
 */
export function lazyCompilersFactory() {
  const ajv = AjvCompiler();
  const serializers = SerializerSelector();
  type Externals = Parameters<typeof ajv>[0];
  type Options = { customOptions?: object; plugins?: [] };
  return {
    buildValidator(externalSchemas: Externals, options: Options = {}) {
      const build = (coerceTypes: 'array' | false) =>
        ajv(externalSchemas, {
          ...options,
          customOptions: { ...options.customOptions, ...AJV_OPTIONS, coerceTypes },
        });
      // The Ajv instances themselves are built on first use too: creating one compiles its meta-schemas.
      let coercing: ReturnType<typeof build> | undefined;
      let strict: ReturnType<typeof build> | undefined;
      return (route: RouteDefinition) =>
        lazyValidator(() => {
          if (route.httpPart === 'body') {
            strict ??= build(false);
            return strict(route) as Validate;
          }
          coercing ??= build('array');
          return coercing(route.httpPart === 'querystring' ? closedQuery(route) : route) as Validate;
        });
    },
    buildSerializer(externalSchemas: unknown, options?: Parameters<typeof serializers>[1]) {
      let compile: ReturnType<typeof serializers> | undefined;
      return (route: Parameters<ReturnType<typeof serializers>>[0]) => {
        let serialize: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => {
          compile ??= serializers(externalSchemas, options);
          serialize ??= compile(route);
          return serialize(doc);
        };
      };
    },
  };
}
