import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { InvalidPropsError } from '../lib/constructs/InvalidPropsError.js';
import { routerStackPropsFromContext } from '../lib/deployContext.js';
import { RouterStack } from '../lib/RouterStack.js';

const app = new App();
// cdk-nag v3 packs are policy-validation plugins: unacknowledged findings fail `cdk synth`.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new HIPAASecurityChecks(app, { verbose: true }),
);

try {
  // `-c contact-router:<key>=<value>`: see lib/deployContext.ts and the README's deploy guide.
  new RouterStack(app, 'ContactRouter', {
    ...routerStackPropsFromContext(app.node.getAllContext()),
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
    },
  });
} catch (error) {
  // One message naming every problem, not a stack trace.
  if (!(error instanceof InvalidPropsError)) throw error;
  process.stderr.write(`\n${error.message}\n\n`);
  process.exit(1);
}
