import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges the `<table>/index/*` wildcard that CDK's table grant adds to `grantee`'s policy; the
 * finding id embeds the table's logical id.
 */
export function acknowledgeTableIndexGrant(grantee: IConstruct, table: dynamodb.TableV2): void {
  const tableLogicalId = Stack.of(grantee).getLogicalId(table.node.defaultChild as dynamodb.CfnGlobalTable);
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
    reason:
      "CDK's table grant covers the case table's own indexes (queueView, queueAge, timerView), which claim-next and the queue view query.",
  });
}
