import * as z from 'zod';

/**
 * The same schema built of classic zod classes only, for the OpenAPI document.
 *
 * The domain's shared schemas are zod/mini (so the ingest functions' bundles leave classic zod
 * out), and the case schemas the staff API returns hold them. @hono/zod-openapi's generator
 * (zod-to-openapi) walks classic schemas only: it calls `.meta()` on every node, which a mini
 * schema lacks. Both kinds are built on `zod/v4/core` from the same definition, so each mini node
 * is rebuilt here as its classic twin (`ZodMiniString` → `ZodString`) from its own definition and
 * checks: the same validation and the same document. A subtree without a mini node is returned as
 * it is (with whatever `.openapi()` metadata it carries); a rebuilt node keeps its registered
 * metadata.
 */
export function classicSchema<T extends z.core.$ZodType>(schema: T): T {
  return convert(schema) as T;
}

const converted = new WeakMap<z.core.$ZodType, z.core.$ZodType>();

function isSchema(value: unknown): value is z.core.$ZodType {
  // A check (`z.minLength(1)`) also has `_zod.def`, but no `type`.
  return (
    typeof value === 'object' &&
    value !== null &&
    '_zod' in value &&
    'type' in (value as z.core.$ZodType)._zod.def
  );
}

function convertValue(value: unknown): unknown {
  if (isSchema(value)) return convert(value);
  if (Array.isArray(value)) {
    const items = value.map(convertValue);
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  return value;
}

function convert(schema: z.core.$ZodType): z.core.$ZodType {
  const known = converted.get(schema);
  if (known) return known;
  // Copied with its getters: a default's `defaultValue` is a getter that gives each parse a fresh
  // copy, and a spread would fix one value for every parse.
  const def: Record<string, unknown> = Object.defineProperties(
    {},
    Object.getOwnPropertyDescriptors(schema._zod.def),
  );
  const replace = (key: string, value: unknown) =>
    Object.defineProperty(def, key, { value, enumerable: true, writable: true, configurable: true });
  let changed = false;
  for (const key of Object.keys(def)) {
    if (key === 'checks' || key === 'defaultValue') continue;
    const value = def[key];
    if (key === 'shape' && typeof value === 'object' && value !== null) {
      const shape = Object.fromEntries(
        Object.entries(value).map(([name, field]) => [name, convertValue(field)]),
      );
      if (Object.entries(shape).some(([name, field]) => field !== (value as Record<string, unknown>)[name])) {
        replace(key, shape);
        changed = true;
      }
      continue;
    }
    const next = convertValue(value);
    if (next !== value) {
      replace(key, next);
      changed = true;
    }
  }
  const name = schema._zod.constr.name;
  let result = schema;
  if (changed || name.startsWith('ZodMini')) {
    const Classic = (z as unknown as Record<string, unknown>)[name.replace(/^ZodMini/, 'Zod')];
    if (typeof Classic !== 'function') throw new Error(`classicSchema: no classic zod class for ${name}`);
    result = new (Classic as new (def: unknown) => z.core.$ZodType)(def);
    const metadata = z.globalRegistry.get(schema);
    if (metadata) z.globalRegistry.add(result, metadata);
  }
  converted.set(schema, result);
  return result;
}
