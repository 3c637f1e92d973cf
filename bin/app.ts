import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { RouterStack } from '../lib/RouterStack.js';

const app = new App();
// cdk-nag v3 packs are policy-validation plugins: unacknowledged findings fail `cdk synth`.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new HIPAASecurityChecks(app, { verbose: true }),
);

// `-c contact-router:recipients=a@x,b@x`: the addresses SES receives for.
const recipientsContext: unknown = app.node.tryGetContext('contact-router:recipients');
const recipients = typeof recipientsContext === 'string' ? recipientsContext : 'support@pharmacy.example';
const notifyFromContext: unknown = app.node.tryGetContext('contact-router:notifyFrom');
new RouterStack(app, 'ContactRouter', {
  ...(typeof notifyFromContext === 'string' ? { notifyFrom: notifyFromContext } : {}),
  recipients: recipients
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
});
