// The CDK app (cdk.json: "node infra/app.ts", run by Node 22's type stripping). cdk-nag's
// AwsSolutions pack runs on every synth, so a new finding fails `npm run synth`, not just the tests.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ArchiveStack } from './stack.ts';

const app = new App();
new ArchiveStack(app, app.node.tryGetContext('stackName') ?? 'TencentMeetingArchive', {
  description: 'Tencent Meeting cloud recording archive (webhook → SQS → S3 + DynamoDB → query API)',
  // Environment-agnostic unless the CLI knows an account: synth works offline with no credentials.
  env: process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
