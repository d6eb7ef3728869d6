// Allowed: domain by name, by relative path with a .js suffix, and extensionless.
import { Money } from "@storefront/domain";
import { Money as SameMoney } from "../../domain/src/money.js";
import "../../domain/src/index";

export const placeOrder = () => [Money, SameMoney];
