import { relay } from "./outbox-relay.ts";

export const bad = [relay];
