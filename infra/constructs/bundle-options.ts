// One definition of how every Lambda is bundled. The CDK construct (node-function.ts) and the bundle
// benchmark (bench/bundle.ts) both derive their esbuild settings from this object, so the measured
// bundle is byte-for-byte the kind of bundle that is deployed. No aws-cdk-lib import here: the
// benchmark should not pay for loading the CDK.
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const FUNCTION_NAMES = ['webhook', 'ingest', 'query', 'reconcile'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Entry files, relative to the project root. */
export const FUNCTION_ENTRIES: Readonly<Record<FunctionName, string>> = {
  webhook: 'functions/webhook/handler.ts',
  ingest: 'functions/ingest/handler.ts',
  query: 'functions/query/handler.ts',
  reconcile: 'functions/reconcile/handler.ts',
};

/**
 * The repository root (where package.json / package-lock.json live), found from this file's own
 * location so it does not depend on the caller's cwd. Under jest, swc compiles `import.meta.url`
 * to a `__filename`-based URL, so the same line works in native ESM (cdk synth) and in tests.
 */
export const PROJECT_ROOT: string = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export const FUNCTION_BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // ESM output has no `require`; a few CJS dependencies (and the SDK's optional probes) call it,
  // so give them one bound to the bundle's own URL.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Prefer the packages' ESM builds: they tree-shake far better than the CJS `main` builds.
  mainFields: ['module', 'main'],
  // Nothing is external except Node's built-ins (esbuild's platform=node handles those). The
  // nodejs22.x runtime ships an AWS SDK v3, but its version lags npm by weeks to months and we rely
  // on recent S3 checksum behaviour (CRC64NVME, per-part checksums); bundling pins the SDK we test
  // against and, once minified and tree-shaken, costs less cold start than resolving the runtime's
  // full client packages from disk.
  external: [] as string[],
  /** esbuild writes `<outdir>/index.mjs` for ESM in NodejsFunction; the benchmark mirrors that. */
  outFileName: 'index.mjs',
} as const;

/** The same settings in the shape of esbuild's JS API (used by bench/bundle.ts). */
export function esbuildBuildOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    format: FUNCTION_BUNDLE.format,
    platform: FUNCTION_BUNDLE.platform,
    target: FUNCTION_BUNDLE.target,
    minify: FUNCTION_BUNDLE.minify,
    sourcemap: FUNCTION_BUNDLE.sourcemap,
    banner: { js: FUNCTION_BUNDLE.banner },
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    external: [...FUNCTION_BUNDLE.external],
    logLevel: 'warning',
    metafile: true,
  };
}
