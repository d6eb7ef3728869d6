import { invalid } from './domain-error';

/** How many units of a product one order line takes. */
export class Quantity {
  static readonly MIN = 1;
  static readonly MAX = 1000;

  private constructor(readonly value: number) {}

  static of(value: number): Quantity {
    if (!Number.isInteger(value) || value < Quantity.MIN || value > Quantity.MAX) {
      throw invalid(`quantity must be an integer from ${Quantity.MIN} to ${Quantity.MAX}, got ${value}`);
    }
    return new Quantity(value);
  }
}
