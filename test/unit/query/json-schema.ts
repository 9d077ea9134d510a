// A small JSON Schema (2020-12) validator for the keywords the OpenAPI document uses. It refuses
// keywords it does not know, so a schema it cannot check fails loudly instead of passing silently.
type Schema = Record<string, unknown>;

// `format` is an annotation in 2020-12; zod pairs its date-time with a pattern, which is checked.
const ANNOTATIONS = new Set(['description', 'title', '$schema', '$id', 'default', 'examples', 'format']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', 'oneOf', 'allOf',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
]);

export function validate(schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`validator does not support keyword ${key} at ${path}`);
  const errors: string[] = [];
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Schema | undefined)?.[part], root);
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    errors.push(...validate(target as Schema, value, root, path));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [...errors, `${path}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 60)}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).some((e) => e === value)) errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) errors.push(`${path}: not below ${schema.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) errors.push(`${path}: missing ${name}`);
    for (const [name, inner] of Object.entries(object)) {
      const propertySchema = properties[name];
      if (propertySchema) errors.push(...validate(propertySchema, inner, root, `${path}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${name}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties as Schema, inner, root, `${path}.${name}`));
    }
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((option) => validate(option, value, root, path).length === 0).length;
    if (key === 'anyOf' ? passing === 0 : passing !== 1) errors.push(`${path}: matches ${passing} of ${key}`);
  }
  for (const option of (schema.allOf ?? []) as Schema[]) errors.push(...validate(option, value, root, path));
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** Validates a handler response against the document's schema for that path, method GET and status. */
export function validateResponse(document: Schema, path: string, statusCode: number, body: unknown, method: 'get' | 'put' | 'delete' = 'get'): string[] {
  type Operation = { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
  const paths = document.paths as Record<string, Partial<Record<'get' | 'put' | 'delete', Operation>>>;
  const template = Object.keys(paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(path));
  if (!template) return [`no path in the document for ${path}`];
  const operation = paths[template]![method];
  if (!operation) return [`${template}: ${method.toUpperCase()} is not documented`];
  const response = operation.responses[String(statusCode)];
  if (!response) return [`${template}: status ${statusCode} is not documented`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return [`${template} ${statusCode}: no JSON schema`];
  return validate(schema, body, document);
}
