/**
 * Turns every schema that carries a `title` into a reference to one shared
 * definition under that name: OpenAPI's components and the generated
 * extension types both list each named shape once.
 */
export function hoistNamedSchemas(value: unknown, ref: (title: string) => unknown, named: Record<string, unknown> = {}): { value: unknown; named: Record<string, unknown> } {
  const walk = (node: unknown, top: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, false);
    const title = (node as { title?: unknown }).title;
    const isSchema = 'type' in out || 'anyOf' in out || 'enum' in out;
    if (top || typeof title !== 'string' || !isSchema) return out;
    const existing = named[title];
    if (existing === undefined) named[title] = out;
    // Two different shapes under one name: the second stays where it is.
    else if (JSON.stringify(existing) !== JSON.stringify(out)) return out;
    return ref(title);
  };
  return { value: walk(value, true), named };
}

/** An OpenAPI document with its named schemas moved to components.schemas and referenced from the operations. */
export function withSchemaComponents<T extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } }>(doc: T): T {
  const { value: paths, named } = hoistNamedSchemas(doc.paths ?? {}, (title) => ({ $ref: `#/components/schemas/${title}` }));
  const schemas = Object.fromEntries(Object.entries({ ...doc.components?.schemas, ...named }).sort(([a], [b]) => a.localeCompare(b)));
  return { ...doc, paths, components: { ...doc.components, schemas } };
}
