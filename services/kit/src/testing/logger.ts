import { createLogger, type Logger } from "../log.ts";

/** A logger that writes nothing: tests assert on behaviour, and their output stays readable. */
export const silentLogger: Logger = createLogger({}, "error", () => {});
