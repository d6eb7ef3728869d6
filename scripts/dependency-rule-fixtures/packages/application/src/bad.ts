import { vi } from "vitest";
import { PgWalletRepository } from "../../adapters/src/wallet.repository.ts";
import { PgWalletRepository as Named } from "@storefront/adapters";

export const bad = [vi, PgWalletRepository, Named];
