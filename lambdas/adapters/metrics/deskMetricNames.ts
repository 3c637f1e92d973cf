/**
 * CloudWatch metric names, services and dimensions: the one definition the functions emit (embedded
 * metric format through Powertools) and the CDK alarms and dashboard read. Plain data: no SDK or CDK
 * imports. Names and dimension values never carry PHI: queue names, channels and outcomes only.
 */
export const DESK_METRICS = {
  namespace: 'ContactRouter',
  /** Powertools adds `service` as a dimension to every metric it emits. */
  services: {
    emailIngest: 'email-ingest',
    routeInbound: 'route-inbound',
    slaSweeper: 'sla-sweeper',
    staffApi: 'staff-api',
    faxIngest: 'fax-ingest',
    chatIngest: 'chat-ingest',
    chatConnect: 'chat-connect',
    formIngest: 'form-ingest',
  },
  /** Per channel (`channel` dimension), from each ingest function. */
  inbound: {
    accepted: 'InboundAccepted',
    quarantined: 'InboundQuarantined',
    /** A webhook refused for its signature, token or basic auth: a steady stream means a rotated secret. */
    unauthorized: 'InboundUnauthorized',
    /** Refused with a 4xx or 5xx for its content (invalid, too large, rate-limited, media unreachable). */
    refused: 'InboundRefused',
  },
  /**
   * From route-inbound (service dimension only): the ingest rate and how it splits. Staff chat lines
   * and chat ends join a transcript and are counted apart, so CaseCreated + CaseThreaded stays the
   * count of member messages recorded.
   */
  recorded: {
    created: 'CaseCreated',
    threaded: 'CaseThreaded',
    duplicate: 'InboundDuplicate',
    /** A staff line or the end of a chat added to its conversation's case. */
    appended: 'ChatLineAppended',
    /** A staff line or the end of a chat whose conversation has no case (nobody wrote in). */
    no_case: 'ChatLineWithoutCase',
  },
  /** Gauges per queue (`queue` dimension), published by the sweeper once a run from the queue summaries. */
  queueGauges: {
    depth: 'QueueDepth',
    atRisk: 'QueueAtRisk',
    breached: 'QueueBreached',
    oldestAgeSeconds: 'QueueOldestAgeSeconds',
  },
  /** One per successful sweep: the "sweeper is not running" alarm fires when it stops. */
  sweepCompleted: 'SweepCompleted',
  /**
   * SLA counts (`SlaMetrics` port). Each is emitted by queue and clock, and once more with the
   * service dimension alone, which alarms read as the desk-wide total.
   */
  sla: {
    breach: 'SlaBreach',
    warning: 'SlaWarning',
    met: 'SlaMet',
    missed: 'SlaMissed',
  },
} as const;
