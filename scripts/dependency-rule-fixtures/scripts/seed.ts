import { app } from "../apps/http/src/index.ts";
import { PgWalletRepository } from "../packages/adapters/src/wallet.repository.ts";

export const seed = [app, PgWalletRepository];
