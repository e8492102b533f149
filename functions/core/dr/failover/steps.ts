/**
 * The failover's journaled steps, in order (docs/dr.md). The request's validation and the
 * environment's lease are not among them: a re-run validates its own request and takes the lease
 * again before it continues. `check-gates` is journaled: once the gates have let a failover
 * through, a re-run after the primary was fenced must not judge them again (the fence itself
 * stops replication). A step that FAILED runs again on the next attempt.
 */
export const FAILOVER_STEPS = [
  'check-gates',
  'approve-forced-failover',
  'fence-primary',
  'drain-replication',
  'scale-dr-node-groups',
  'apply-dr-manifests',
  'restore-prefect-database',
  'await-dr-rollouts',
  'switch-traffic',
  'validate-dr-platform',
  'report',
] as const;
export type FailoverStep = (typeof FAILOVER_STEPS)[number];

/**
 * dr-failback's journaled steps, kept in the journal of the failover they undo (docs/dr.md,
 * "Failback"): the failover stays OPEN while the DR side serves, and failback closes it.
 */
export const FAILBACK_STEPS = [
  'failback-resync',
  'failback-fence-dr',
  'failback-final-resync',
  'failback-switch-traffic',
  'failback-lift-primary-fence',
  'failback-standby',
  'failback-report',
] as const;
export type FailbackStep = (typeof FAILBACK_STEPS)[number];
export type JournalStep = FailoverStep | FailbackStep;
