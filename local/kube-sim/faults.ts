import { KubeApiError, type StatusReason } from './errors.ts';

/**
 * HTTP faults injected in front of the API, so workflow tests can exercise retries and backoff:
 * the next `times` requests that match answer `status` with a Status body instead of being served.
 */
export interface FaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** A RegExp tested against the request path, or a string the path must contain. */
  pathPattern: RegExp | string;
  status: number;
  /** How many matching requests fail; defaults to 1. Use Infinity for "until cleared". */
  times?: number;
  message?: string;
  /** Sent as Retry-After (seconds) and in the Status details, as the API server does on 429. */
  retryAfterSeconds?: number;
}

export interface InjectedFault {
  readonly spec: FaultSpec;
  /** Requests this fault has failed so far. */
  readonly hits: number;
  readonly remaining: number;
}

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

class Fault implements InjectedFault {
  hits = 0;
  constructor(readonly spec: FaultSpec) {}

  get remaining(): number {
    return (this.spec.times ?? 1) - this.hits;
  }

  matches(method: string, path: string): boolean {
    if (this.remaining <= 0) return false;
    if (this.spec.method && this.spec.method.toUpperCase() !== method.toUpperCase()) return false;
    const pattern = this.spec.pathPattern;
    return typeof pattern === 'string' ? path.includes(pattern) : pattern.test(path);
  }
}

export class FaultInjector {
  private faults: Fault[] = [];

  inject(spec: FaultSpec): InjectedFault {
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new Error(`a fault status must be an HTTP error code (400-599), got ${spec.status}`);
    }
    const fault = new Fault(spec);
    this.faults.push(fault);
    return fault;
  }

  /** Removes one injected fault (its remaining uses are dropped). */
  remove(fault: InjectedFault): void {
    this.faults = this.faults.filter((candidate) => candidate !== fault);
  }

  clear(): void {
    this.faults = [];
  }

  /** The error to answer with, consuming one use of the first matching fault. */
  take(method: string, path: string): KubeApiError | undefined {
    const fault = this.faults.find((candidate) => candidate.matches(method, path));
    if (!fault) return undefined;
    fault.hits += 1;
    const { status, message, retryAfterSeconds } = fault.spec;
    return new KubeApiError(
      status,
      REASONS[status] ?? 'InternalError',
      message ?? `kube-sim injected fault: ${status} for ${method} ${path}`,
      retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
    );
  }
}
