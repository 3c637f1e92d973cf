import {
  DescribeActiveReceiptRuleSetCommand,
  type SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';

/** The account's active SES receipt rule set (one per region). */
export interface ReceiptRuleSets {
  /** The active rule set's name; undefined when none is active (SES then rejects all inbound mail). */
  activeName(): Promise<string | undefined>;
  /** Makes `name` the active rule set, or deactivates every rule set when `name` is undefined. */
  activate(name: string | undefined): Promise<void>;
}

export class SesReceiptRuleSets implements ReceiptRuleSets {
  readonly #client: SESClient;

  constructor(client: SESClient) {
    this.#client = client;
  }

  async activeName(): Promise<string | undefined> {
    const result = await this.#client.send(new DescribeActiveReceiptRuleSetCommand({}));
    return result.Metadata?.Name;
  }

  async activate(name: string | undefined): Promise<void> {
    await this.#client.send(new SetActiveReceiptRuleSetCommand(name ? { RuleSetName: name } : {}));
  }
}
