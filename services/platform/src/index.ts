export { bootPlatform, type BootOptions, type Platform, type PlatformConfig } from "./boot.ts";
export { platformConfigSpec } from "./config.ts";
