export { type BootOptions, bootPlatform, type Platform, type PlatformConfig } from "./boot.ts";
export { platformConfigSpec } from "./config.ts";
