export { alertForFill, alertForOrder, alertForTradingState } from "./rules.ts";
export { type App, createNotificationService } from "./service.ts";
