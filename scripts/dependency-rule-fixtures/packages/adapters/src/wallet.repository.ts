// Allowed: inner layers by name and by path, a declared npm package, a node: builtin.
import ts from "typescript";
import { placeOrder } from "@storefront/application";
import { Money } from "../../domain/src/money.ts";
import { createHmac } from "node:crypto";

export class PgWalletRepository {
  readonly parts = [ts, placeOrder, Money, createHmac];
}
