import { routes } from "../../../apps/http/src/routes.ts";
import { ESLint } from "eslint";

export const bad = [routes, ESLint];
