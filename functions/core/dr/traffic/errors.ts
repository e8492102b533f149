import { namedError, TransientError } from '../../../commons/errors.ts';

/**
 * Errors of the traffic switch (dr-failover step 6, dr-failback). Their names are part of the
 * workflows' contract (they Catch on them): never rename one casually.
 */

/** A record to switch does not exist in the zone: records are provisioned, a switch only repoints them. */
export class DnsRecordMissingError extends namedError('DnsRecordMissingError') {}

/** Route 53 accepted the change but it was not INSYNC within the wait; polling again may see it done. */
export class DnsChangeNotInSyncError extends namedError('DnsChangeNotInSyncError', TransientError) {}

/** A target's health check did not report healthy within the wait: switching to it would send traffic nowhere. */
export class DnsTargetUnhealthyError extends namedError('DnsTargetUnhealthyError') {}

/**
 * A target's health check is not healthy yet, so the switch was not made: the DR side may still be
 * coming up. One look per call; the workflow retries on this name within its own bound.
 */
export class DnsTargetNotYetHealthyError extends namedError('DnsTargetNotYetHealthyError', TransientError) {}

/**
 * The requested switch contradicts what this failover already recorded (another mode, or a switch
 * to DR after the switch back): repeating it cannot help, a person must decide.
 */
export class TrafficSwitchConflictError extends namedError('TrafficSwitchConflictError') {}
