export { placeOrder } from "./place-order.js";
