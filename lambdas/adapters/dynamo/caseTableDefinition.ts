/**
 * The case table's keys and indexes: the one definition that the CDK stack, local mode and
 * the tests all create the table from. Plain data: no SDK or CDK imports, so both sides can use it.
 */
export const CASE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /**
   * Index partitions: a busy queue's writes spread over `queueShards` keys and timers over
   * `timerShards`; claim-next and the sweeper read each. Every writer must agree, so they are
   * fixed here (changing them needs a re-index).
   */
  queueShards: 4,
  timerShards: 4,
  indexes: {
    /** Queued cases only (sparse): head = highest priority, then earliest due, then oldest. */
    queueView: { name: 'queueView', partitionKey: 'queueKey', sortKey: 'queueSort' },
    /** Queued cases only (sparse), oldest first: serves the "oldest" figure of GET /queues. */
    queueAge: { name: 'queueAge', partitionKey: 'queueKey', sortKey: 'queuedAt' },
    /** Cases with a pending SLA warning/breach or lease expiry (sparse): the sweeper reads what is due. */
    timerView: { name: 'timerView', partitionKey: 'timerShard', sortKey: 'timerSort' },
  },
} as const;

/** Every index projects all attributes: claim-next and the sweeper need the whole case. */
export type CaseTableIndexName = keyof typeof CASE_TABLE.indexes;

/** Key attributes are all strings. */
export function caseTableAttributeNames(): string[] {
  const names = new Set<string>([CASE_TABLE.partitionKey, CASE_TABLE.sortKey]);
  for (const index of Object.values(CASE_TABLE.indexes)) {
    names.add(index.partitionKey);
    names.add(index.sortKey);
  }
  return [...names];
}
