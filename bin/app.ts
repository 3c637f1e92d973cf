import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { RouterStack } from '../lib/RouterStack.js';

const app = new App();
// cdk-nag v3 packs are policy-validation plugins: unacknowledged findings fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new HIPAASecurityChecks(app, { verbose: true }));

const recipients = (app.node.tryGetContext('contact-router:recipients') as string | undefined) ?? 'support@pharmacy.example';
new RouterStack(app, 'ContactRouter', {
  recipients: recipients.split(',').map((address) => address.trim()),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
});
