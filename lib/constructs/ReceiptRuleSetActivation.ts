import path from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import type * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface ReceiptRuleSetActivationProps {
  ruleSet: ses.IReceiptRuleSet;
  functionDefaults: RouterFunctionDefaults;
}

/**
 * Makes the stack's receipt rule set the region's active one (SES has exactly one active set per
 * account and region: activating replaces whatever was active). Created only when the deployer asks;
 * removing it (or the stack) deactivates the set if it is still the active one.
 */
export class ReceiptRuleSetActivation extends Construct {
  /** The rule set that was active before this stack's set replaced it ('' when none was). */
  readonly previouslyActive: string;

  constructor(scope: Construct, id: string, props: ReceiptRuleSetActivationProps) {
    super(scope, id);
    const activator = new RouterFunction(this, 'Activator', {
      ...props.functionDefaults,
      // A deploy-time helper: no reservation, no alarms (CloudFormation reports its failures).
      reservedConcurrency: undefined,
      monitoring: undefined,
      label: 'receipt-rule-set-activation',
      entry: path.join(handlers, 'activateReceiptRuleSet.ts'),
      description: 'Custom resource: activates the stack SES receipt rule set (deactivates it on delete)',
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: {},
      access: { managesReceiptRuleSets: true },
    }).function;
    Validations.of(activator).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'CloudFormation invokes this custom-resource function and waits for its answer; a failure is reported to CloudFormation (the deployment rolls back), there is no event to keep.',
    });
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: activator.functionArn,
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      properties: { RuleSetName: props.ruleSet.receiptRuleSetName },
    });
    // Activate only once the rule exists, and on delete deactivate before the rule set goes.
    resource.node.addDependency(props.ruleSet);
    this.previouslyActive = resource.getAttString('PreviouslyActive');
  }
}
