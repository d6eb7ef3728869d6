// Each import below breaks the dependency rule; see scripts/check-dependency-rule.mjs.
import { placeOrder } from "../../application/src/place-order.ts";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import type { SourceFile } from "typescript";
import "@storefront/application";

export const bad = [placeOrder, z, randomUUID] as const;
export type Bad = SourceFile;
