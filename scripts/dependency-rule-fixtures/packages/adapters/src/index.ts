export { PgWalletRepository } from "./wallet.repository.js";
