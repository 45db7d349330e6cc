import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The API (uvicorn on :8000) serves /graphql over HTTP and WebSocket; in development
// Vite proxies both so the browser sees one origin, exactly as in production where
// the API serves frontend/dist itself.
const api = process.env.SLUICE_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/graphql": { target: api, ws: true, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      "/graphql": { target: api, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    rolldownOptions: {
      output: {
        // Vendor code changes less often than the app: separate chunks cache well.
        codeSplitting: {
          groups: [
            {
              name: "react",
              test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/,
            },
            {
              name: "mui",
              test: /node_modules[\\/](@mui[\\/](material|system|utils|styled-engine|private-theming)|@emotion|@popperjs|react-transition-group)[\\/]/,
            },
            {
              name: "apollo",
              test: /node_modules[\\/](@apollo|graphql|graphql-ws|rxjs|optimism|@wry|extract-files|apollo-upload-client|tslib)[\\/]/,
            },
          ],
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // Component tests render whole pages in jsdom: 9-15 s each on a 2-core machine under load.
    testTimeout: 45000,
  },
});
