import { defineConfig, devices } from "@playwright/test";
import * as path from "node:path";

// The server binary `cargo test -p server` builds (target/debug/digna) with the release
// front end (`make site`), served on its own port with a fresh database per run
// (`make e2e` deletes .e2e-data first). Chromium comes from Debian.
// E2E_PORT, E2E_DATA_DIR, E2E_SITE_ROOT and E2E_DIGNA run the suite against a private
// build (such as one made with LEPTOS_SITE_ROOT=/tmp/…) beside someone else's run;
// E2E_DATABASE_URL=postgres://… runs it on PostgreSQL (`make e2e-postgres`).
export const PORT = Number(process.env.E2E_PORT ?? 3210);
export const DATA_DIR = path.resolve(__dirname, process.env.E2E_DATA_DIR ?? ".e2e-data");
export const DIGNA = path.resolve(__dirname, process.env.E2E_DIGNA ?? "../target/debug/digna");
export const SERVER_ENV = {
  DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${DATA_DIR}/digna.db`,
  DIGNA_KEY_FILE: `${DATA_DIR}/digna.key`,
  LEPTOS_SITE_ROOT: path.resolve(__dirname, process.env.E2E_SITE_ROOT ?? "../target/site"),
  LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
  LEPTOS_OUTPUT_NAME: "digna",
  RUST_LOG: "warn",
};

export default defineConfig({
  testDir: "./tests",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The HTML report keeps attachments such as the station page screenshot.
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    hasTouch: true,
    locale: "es-PE",
    viewport: { width: 1280, height: 800 },
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        hasTouch: true,
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The "Voces" page records through a fake microphone, allowed without asking.
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
          ],
        },
      },
    },
  ],
  webServer: {
    command: `mkdir -p ${DATA_DIR} && exec ${DIGNA} serve`,
    url: `http://127.0.0.1:${PORT}/api/v1/openapi.json`,
    env: SERVER_ENV,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
