import type { Clock } from '@os/kernel';
import type { SessionEntrypoint } from '../root-component.js';
import { OneCapRoot } from './one-cap-root.js';
import { RtcSessionComponent } from './rtc-session-component.js';

/** core's Rtc service: each session reads the wall time off the system's `clock`, for one capability. */
export class RtcRoot extends OneCapRoot<RtcSessionComponent> {
  /** Serves Rtc sessions on `ep` that read `clock`. */
  constructor(ep: SessionEntrypoint, clock: Clock) {
    super('Rtc', ep, () => new RtcSessionComponent(clock));
  }
}
