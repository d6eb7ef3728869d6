/**
 * A key of a role's dependency container that carries the type of what it resolves to, so the
 * composition roots register and resolve without casts. The one token design of both roles.
 */
export type Token<T> = symbol & { readonly __resolvesTo?: T };

export const token = <T>(description: string): Token<T> => Symbol(description);
