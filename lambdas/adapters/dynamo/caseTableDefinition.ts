/**
 * The case table's keys and indexes: the one definition that the CDK stack, local mode and
 * the tests all create the table from. Plain data: no SDK or CDK imports, so both sides can use it.
 */
export const CASE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /**
   * Index partitions: a busy queue's writes spread over `queueShards` keys, timers over
   * `timerShards`, unsent mail over `outboxShards`; readers query each. Queue figures live in
   * `statsShards` items (all queues in each), read together in one BatchGetItem (at most 100 keys),
   * so concurrent case writes rarely touch the same counter item. Every writer must agree, so they
   * are fixed here (changing them needs a re-index).
   */
  queueShards: 4,
  timerShards: 4,
  outboxShards: 4,
  statsShards: 32,
  indexes: {
    /** Queued cases only (sparse), in queue order (priority, earliest due, age): claim-next reads the head. */
    queueView: { name: 'queueView', partitionKey: 'queueKey', sortKey: 'queueSort' },
    /** Claimed and pending cases by their assignee (sparse), in queue order: "my cases". */
    assigneeView: { name: 'assigneeView', partitionKey: 'assigneeKey', sortKey: 'assigneeSort' },
    /** Cases not queued, by queue and state (sparse), by last change: supervisors' lists. */
    stateView: { name: 'stateView', partitionKey: 'stateKey', sortKey: 'stateSort' },
    /** Cases with a pending SLA warning/breach or lease expiry (sparse): the sweeper reads what is due. */
    timerView: { name: 'timerView', partitionKey: 'timerShard', sortKey: 'timerSort' },
    /** Outbox entries not yet sent (sparse), oldest first. */
    outboxView: { name: 'outboxView', partitionKey: 'outboxShard', sortKey: 'outboxSort' },
  },
} as const;

/** Every index projects all attributes: claim-next, the lists and the sweeper need the whole item. */
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
