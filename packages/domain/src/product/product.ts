import { DomainError, ErrorCode, invalid } from '../shared/domain-error';
import type { ProductId } from '../shared/ids';
import { Money } from '../shared/money';
import type { Quantity } from '../shared/quantity';

export interface ProductPrimitives {
  id: ProductId;
  name: string;
  price: number;
  stock: number;
}

export interface ProductChanges {
  name?: string;
  price?: number;
  stock?: number;
}

const MAX_NAME_LENGTH = 200;

/** Something for sale, with a price in won and a stock that never goes below zero. */
export class Product {
  private constructor(
    readonly id: ProductId,
    private productName: string,
    private unitPrice: Money,
    private unitsInStock: number,
  ) {}

  /** Checks the fields of a product about to be created; the id comes from the store. */
  static validateNew(fields: Omit<ProductPrimitives, 'id'>): Omit<ProductPrimitives, 'id'> {
    return {
      name: Product.validName(fields.name),
      price: Money.positive(fields.price, 'price').won,
      stock: Product.validStock(fields.stock),
    };
  }

  static fromPrimitives(p: ProductPrimitives): Product {
    return new Product(p.id, p.name, Money.of(p.price), Product.validStock(p.stock));
  }

  get name(): string {
    return this.productName;
  }

  get price(): Money {
    return this.unitPrice;
  }

  get stock(): number {
    return this.unitsInStock;
  }

  hasInStock(quantity: Quantity): boolean {
    return this.unitsInStock >= quantity.value;
  }

  decreaseStock(quantity: Quantity): void {
    if (!this.hasInStock(quantity)) throw outOfStock(this.id, quantity.value, this.unitsInStock);
    this.unitsInStock -= quantity.value;
  }

  /** An admin's edit: any of name, price and stock, each checked like a new product's. */
  revise(changes: ProductChanges): void {
    // Every change is checked before any is applied: a rejected edit leaves the product as it was.
    const name = changes.name === undefined ? this.productName : Product.validName(changes.name);
    const price = changes.price === undefined ? this.unitPrice : Money.positive(changes.price, 'price');
    const stock = changes.stock === undefined ? this.unitsInStock : Product.validStock(changes.stock);
    this.productName = name;
    this.unitPrice = price;
    this.unitsInStock = stock;
  }

  toPrimitives(): ProductPrimitives {
    return { id: this.id, name: this.productName, price: this.unitPrice.won, stock: this.unitsInStock };
  }

  private static validName(name: string): string {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) {
      throw invalid(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
    }
    return trimmed;
  }

  private static validStock(stock: number): number {
    if (!Number.isSafeInteger(stock) || stock < 0) throw invalid(`stock must be a non-negative integer, got ${stock}`);
    return stock;
  }
}

export function outOfStock(productId: ProductId, requested: number, available?: number): DomainError {
  return new DomainError(ErrorCode.OutOfStock, `Product ${productId} does not have ${requested} in stock`, {
    productId,
    ...(available === undefined ? {} : { available }),
  });
}

export function productNotFound(productId: ProductId): DomainError {
  return new DomainError(ErrorCode.ProductNotFound, `Product ${productId} does not exist`, { productId });
}
