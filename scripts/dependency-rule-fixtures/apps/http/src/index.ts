// Allowed: the composition root wires adapters.
import { PgWalletRepository } from "@storefront/adapters";
import { routes } from "./routes.ts";

export const app = { PgWalletRepository, routes };
