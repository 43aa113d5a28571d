/** `*` matches exactly one dot-separated level, as in NATS subjects. */
export function compilePattern(pattern: string): (topic: string) => boolean {
  if (!pattern.includes("*")) return (topic) => topic === pattern;
  const parts = pattern.split(".");
  return (topic) => {
    const levels = topic.split(".");
    if (levels.length !== parts.length) return false;
    for (let i = 0; i < parts.length; i++) if (parts[i] !== "*" && parts[i] !== levels[i]) return false;
    return true;
  };
}

/** Stable member choice by key so one key's events stay in order on one member. */
export function hashKey(key: string): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return hash >>> 0;
}
