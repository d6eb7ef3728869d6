export const job = () => undefined;
