import { invalid } from './domain-error';

export type UserId = number;
export type ProductId = number;
export type CouponId = number;
export type UserCouponId = number;
export type OrderId = number;

/** Ids are positive safe integers; anything else is a caller's mistake. */
export function requireId(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}
