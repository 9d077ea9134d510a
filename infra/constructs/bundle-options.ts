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
  // Stack traces in production name the TypeScript file and line: every function ships its source
  // map and runs with --enable-source-maps (nodeOptions below). Node reads and parses the whole
  // map when the bundle is imported, so the map's size is cold-start time. The map carries no
  // sourcesContent (a copy of every source file, two thirds of the map): a stack trace needs only
  // `mappings`, `sources` and `names`. Measured with `node bench/bundle.ts 25` (median import
  // time of 25 fresh processes, Node 22, a shared 2-core machine at load 3-4, Dec 2026): no maps
  // 91-137 ms; maps with sourcesContent (2.2-3.0 MB) +12-29 ms; maps without (0.7-1.0 MB)
  // +1-11 ms (ingest: 137 / 166 / 138 ms; a 15-run CPU-time measure agreed: +17-26 / +8-13 ms).
  // No maps, or maps shipped but not enabled, would save those last few ms per cold start and
  // leave every trace as minified names at columns of one 600 KB line, unreadable exactly when
  // a failure needs reading.
  sourcemap: true,
  sourcesContent: false,
  /** The functions' NODE_OPTIONS (the construct sets it; the benchmark imports bundles with it). */
  nodeOptions: '--enable-source-maps',
  // The comments esbuild must preserve (licence notes and the dependencies' `@preserve` coverage
  // hints) go to index.mjs.LEGAL.txt beside the bundle: deployed with it, not parsed at every cold
  // start (0.7 KiB of the ingest bundle).
  legalComments: 'external',
  // ESM output has no `require`; a few CJS dependencies (and the SDK's optional probes) call it,
  // so give them one bound to the bundle's own URL.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Prefer the packages' ESM builds: they tree-shake far better than the CJS `main` builds.
  mainFields: ['module', 'main'],
  // The AWS SDK is bundled: the nodejs22.x runtime ships an SDK v3 too, but its version lags npm
  // by weeks to months and we rely on recent S3 checksum behaviour (per-part CRC32, FULL_OBJECT);
  // bundling pins the SDK we test against and, minified and tree-shaken, costs less cold start
  // than resolving the runtime's full client packages from disk.
  //
  // Except the credential providers a Lambda never reaches. The default chain tries the
  // environment first, and Lambda always puts the function role's credentials there; the SSO,
  // shared-ini, process, web-identity, container and instance-metadata providers (and the STS/SSO
  // clients they bring, @aws-sdk/nested-clients) sit behind dynamic import()s that run only when
  // the environment has no credentials. Left external, ~100 KiB leaves every bundle (and its
  // parse time every cold start). Were one ever reached outside Lambda, its import would fail by
  // name (ERR_MODULE_NOT_FOUND) rather than silently pick other credentials.
  external: [
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-login',
    '@smithy/credential-provider-imds',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
  ] as string[],
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
    sourcesContent: FUNCTION_BUNDLE.sourcesContent,
    legalComments: FUNCTION_BUNDLE.legalComments,
    banner: { js: FUNCTION_BUNDLE.banner },
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    external: [...FUNCTION_BUNDLE.external],
    logLevel: 'warning',
    metafile: true,
  };
}
