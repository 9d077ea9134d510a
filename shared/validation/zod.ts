// zod's functional `zod/mini` API, with zod's English error messages. The schemas on the ingest
// path (queue messages, Tencent responses and config, function settings) use it instead of the
// classic `zod` API: same parser core, but only the schema kinds a bundle uses are bundled (the
// classic API's methods pull in every kind plus toJSONSchema: ~94 KiB against ~26 KiB in ingest).
//
// Classic `zod` registers the English locale when its first schema is built; `zod/mini` leaves
// every message at "Invalid input" unless told. Registering it here keeps the messages (which
// errors and logs quote) the same whether or not a bundle also loads the classic API.
import { config, pipe, transform, type core, type ZodMiniPipe, type ZodMiniTransform } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';

/** Settings and secrets written by hand leave keys blank: a blank string counts as not given. */
export function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** Classic zod's `z.preprocess`: `fn` runs on the raw input, then `schema` parses its result. */
export function preprocess<const Out extends core.$ZodType>(fn: (value: unknown) => unknown, schema: Out): ZodMiniPipe<ZodMiniTransform<unknown, unknown>, Out> {
  return pipe<ZodMiniTransform<unknown, unknown>, Out>(transform(fn), schema);
}
