export { PgWalletRepository } from "./pg-wallet.repository.js";
