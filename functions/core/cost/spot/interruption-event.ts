import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * The EC2 events that announce a spot node's end, as EventBridge delivers them (source aws.ec2,
 * the default bus): the interruption warning comes two minutes before EC2 stops or terminates the
 * instance; the rebalance recommendation comes earlier, when the instance's capacity pool is at
 * elevated risk, and sets no deadline.
 */
export const SPOT_INTERRUPTION_WARNING = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_RECOMMENDATION = 'EC2 Instance Rebalance Recommendation';
export const SPOT_EVENT_DETAIL_TYPES = [SPOT_INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION] as const;
export const EC2_EVENT_SOURCE = 'aws.ec2';

/** The interruption warning's notice: EC2 acts this long after the event's `time`. */
export const INTERRUPTION_NOTICE_SECONDS = 120;

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export const spotInterruptionEventSchema = z.looseObject({
  id: nonEmptyString(),
  'detail-type': z.enum(SPOT_EVENT_DETAIL_TYPES),
  source: z.literal(EC2_EVENT_SOURCE),
  /** When EC2 emitted the event: the interruption's two minutes count from here. */
  time: z.iso.datetime(),
  region: z.optional(z.string()),
  detail: z.looseObject({
    'instance-id': z
      .string()
      .check(z.regex(INSTANCE_ID, 'expected an EC2 instance id such as i-0abc12345def67890')),
    /** Interruption warnings only: terminate, stop or hibernate. */
    'instance-action': z.optional(z.string()),
  }),
});
export type SpotInterruptionEvent = z.output<typeof spotInterruptionEventSchema>;

export type SpotNoticeKind = 'interruption' | 'rebalance';

export function noticeKindOf(event: SpotInterruptionEvent): SpotNoticeKind {
  return event['detail-type'] === SPOT_INTERRUPTION_WARNING ? 'interruption' : 'rebalance';
}
