/**
 * Writes the PWA icons (public/icon-192.png, public/icon-512.png) with no
 * dependencies: a dark square with three rising green bars, drawn inside the
 * central 60% so the icon also survives a "maskable" crop.
 * Run: bun scripts/make-icons.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

const BACKGROUND = [0x0f, 0x13, 0x1a] as const;
const BAR = [0x2e, 0xcc, 0x71] as const;

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function isBar(x: number, y: number, size: number): boolean {
  const unit = size / 10;
  const bars = [
    { left: 2.2, height: 2.4 },
    { left: 4.3, height: 4.0 },
    { left: 6.4, height: 5.6 },
  ];
  const bottom = 7.8 * unit;
  return bars.some(
    (bar) => x >= bar.left * unit && x < (bar.left + 1.4) * unit && y < bottom && y >= bottom - bar.height * unit,
  );
}

export function makePng(size: number): Uint8Array {
  const stride = size * 3 + 1;
  const raw = new Uint8Array(stride * size);
  for (let y = 0; y < size; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = isBar(x, y, size) ? BAR : BACKGROUND;
      raw.set([r, g, b], y * stride + 1 + x * 3);
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, size);
  view.setUint32(4, size);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter, no interlace
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array())];
  const png = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}

if (import.meta.main) {
  const publicDir = join(import.meta.dir, "..", "public");
  for (const size of [192, 512]) {
    const file = join(publicDir, `icon-${size}.png`);
    writeFileSync(file, makePng(size));
    console.log(`wrote ${file}`);
  }
}
