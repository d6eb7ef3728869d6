import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring in this process, before it serves anything.
 *
 * Why: V8 watches where objects are allocated. When objects from one site survive young
 * collections often, V8 starts allocating that site's objects straight into the old generation.
 * Under a burst of concurrent requests (a rush, the bench's closed loop), per-request objects
 * outlive a scavenge because their requests are still in flight. That trains the sites. Once
 * traffic calms down, every request still gets some objects in the old generation. They die
 * within milliseconds, but only a full collection reclaims them. Until then they keep everything
 * young they point to alive: the request's headers, parsed body, pg query and rows. So each
 * scavenge copies and promotes ~5 MB of dead requests.
 *
 * Measured in the bench's open loop (charge, half load): 4.6–5.0 MB promoted per scavenge and
 * pauses of 9–20 ms with pretenuring, 0.22–0.26 MB and 3–7 ms without. Request handling allocates
 * nothing that lives long enough to be worth pretenuring.
 *
 * It is a V8 flag, and Node does not accept it in NODE_OPTIONS. Setting it here, the first
 * thing every entry point does, covers `pnpm start`, the compiled image and the tests alike.
 * Node warns that flags set at run time may do nothing. This one is read at every collection,
 * and the bench's scavenge figures confirm it takes effect.
 */
export function keepShortLivedObjectsYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
