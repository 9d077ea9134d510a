// Shared defaults for every Lambda of the archive: Node 22 on arm64, ESM bundled locally with
// esbuild (never Docker), a log group with retention, the Powertools environment, and an
// execution role that starts empty, so each function holds only the statements its construct adds.
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_BUNDLE } from './bundle-options.ts';

/** The CDK form of FUNCTION_BUNDLE (bundle-options.ts), which bench/bundle.ts also uses. */
const CDK_BUNDLING: BundlingOptions = {
  format: FUNCTION_BUNDLE.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
  target: FUNCTION_BUNDLE.target,
  minify: FUNCTION_BUNDLE.minify,
  sourceMap: FUNCTION_BUNDLE.sourcemap,
  sourcesContent: FUNCTION_BUNDLE.sourcesContent,
  banner: FUNCTION_BUNDLE.banner,
  mainFields: [...FUNCTION_BUNDLE.mainFields],
  externalModules: [...FUNCTION_BUNDLE.external],
  esbuildArgs: { '--legal-comments': FUNCTION_BUNDLE.legalComments },
  // Local esbuild only: there is no Docker daemon on our machines or in CI.
  forceDockerBundling: false,
};

export interface ArchiveFunctionProps {
  /** Absolute path of the handler's entry file (it must export `handler`). */
  readonly entry: string;
  /** Repository root holding package.json and package-lock.json. */
  readonly projectRoot: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** Powertools service name (logs, metrics). */
  readonly serviceName: string;
  readonly logLevel: string;
  /** @default lambda.Runtime.NODEJS_22_X */
  readonly runtime?: lambda.Runtime;
  /** @default lambda.Architecture.ARM_64 */
  readonly architecture?: lambda.Architecture;
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** Shell commands run after esbuild, given the package's output directory (e.g. to add the console's bundle). */
  readonly afterBundling?: (outputDir: string) => string[];
}

export class ArchiveFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ArchiveFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // Our own role instead of NodejsFunction's default: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs:* on every log group); this one may only write its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${Stack.of(this).stackName}/${id}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      bundling: props.afterBundling
        ? { ...CDK_BUNDLING, commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir, outputDir) => props.afterBundling!(outputDir) } }
        : CDK_BUNDLING,
      // Only meaningful for SDK v2; v3 reuses connections by default. Off so no stray env appears.
      awsSdkConnectionReuse: false,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.serviceName,
        LOG_LEVEL: props.logLevel,
        // Stack traces point at the TypeScript sources through the bundled source maps (why, and
        // at what cold-start cost: FUNCTION_BUNDLE in bundle-options.ts).
        NODE_OPTIONS: FUNCTION_BUNDLE.nodeOptions,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the project, its tests and the local stack run on Node 22 (package.json devDependency node@22), so the cloud runs what was tested. Raise with the toolchain, not silently.',
    });
  }

  /** Adds one statement to this function's own role (never to a shared role). */
  allow(sid: string, actions: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPolicy(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
  }
}
