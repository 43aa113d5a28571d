import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import solid from "vite-plugin-solid";

const gateway = process.env.JTS_GATEWAY_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [
    solid(),
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: "auto",
      manifest: {
        name: "JTS",
        short_name: "JTS",
        description: "JTS trading: live prices, positions and orders",
        start_url: "/",
        scope: "/",
        display: "standalone",
        background_color: "#0f131a",
        theme_color: "#0f131a",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        // The app shell is precached (the plugin adds the manifest and its icons); market data and
        // orders must never come from a cache, so there is no runtime caching.
        globPatterns: ["**/*.{js,css,html,svg,ico}"],
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/api\//, /^\/ws$/],
        runtimeCaching: [],
        // Web Push: shows each push as a notification and opens the app on a click (public/push-sw.js).
        importScripts: ["push-sw.js"],
      },
    }),
  ],
  server: {
    port: 5173,
    proxy: {
      "/api": { target: gateway, changeOrigin: true },
      "/ws": { target: gateway, ws: true, changeOrigin: true },
    },
  },
  build: {
    target: "es2022",
  },
});
