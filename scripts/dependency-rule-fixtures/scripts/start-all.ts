// Allowed: the single process host imports both apps' public entries...
import { app } from "@storefront/http";
import { job } from "@storefront/scheduler";
// ...but nothing behind them.
import { routes } from "../apps/http/src/routes.ts";

export const all = [app, job, routes];
