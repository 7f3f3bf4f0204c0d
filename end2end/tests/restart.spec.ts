import { test, expect } from "@playwright/test";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DIGNA, DATA_DIR } from "../playwright.config";
import { expectScreen, tap } from "./support";

// A server of this test's own, so it can be stopped and started while the page stays open.
const PORT = Number(process.env.E2E_RESTART_PORT ?? 3220);
const DIR = path.join(DATA_DIR, "restart");
const ENV = {
  ...process.env,
  DATABASE_URL: `sqlite://${DIR}/digna.db`,
  DIGNA_KEY_FILE: `${DIR}/digna.key`,
  LEPTOS_SITE_ROOT: path.resolve(__dirname, "../../target/site"),
  LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
  RUST_LOG: "warn",
};

const digna = (...args: string[]) => execFileSync(DIGNA, args, { env: ENV, encoding: "utf8" });
const count = (sql: string) => Number(execFileSync("sqlite3", [`${DIR}/digna.db`, sql], { encoding: "utf8" }).trim());

async function start(): Promise<ChildProcess> {
  const server = spawn(DIGNA, ["serve"], { env: ENV, stdio: "ignore" });
  await expect
    .poll(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${PORT}/api/v1/openapi.json`)).status;
      } catch {
        return 0;
      }
    })
    .toBe(200);
  return server;
}

async function stop(server: ChildProcess) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
}

test("with the server down, a reloaded kiosk still works, and its answers are delivered once when the server is back", async ({ page }) => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  digna("station", "add", "--code", "RST-01", "--name", "Comisaría de reinicio", "--region", "Lima Sur");
  const lines = digna("tablet", "enroll", "--station", "RST-01").trim().split("\n");
  let server = await start();
  try {
    await page.goto(`http://127.0.0.1:${PORT}/kiosk`);
    await expect(page.locator("[data-screen]")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Código de registro").fill(lines[lines.length - 1]);
    await tap(page, "Registrar");
    await expectScreen(page, "welcome");

    // The service worker has cached the kiosk, the bundle and the survey.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
      }
    });

    await stop(server);
    // A tablet that restarts without network still shows a working kiosk.
    await page.reload();
    await expect(page.locator("[data-screen]")).toHaveAttribute("data-hydrated", "true");
    await expectScreen(page, "welcome");
    for (let visitor = 0; visitor < 3; visitor++) {
      await tap(page, "Comenzar");
      await expectScreen(page, "question");
      for (let i = 0; i < 11; i++) await tap(page, "Saltar");
      // The thank-you screen never waits for the network.
      await expectScreen(page, "thanks");
      await tap(page, "Terminar");
      await expectScreen(page, "welcome");
    }

    server = await start();
    await expect.poll(() => count("SELECT COUNT(*) FROM pending_responses"), { timeout: 90_000 }).toBe(3);
    // Retries after the restart store nothing twice.
    await page.waitForTimeout(3_000);
    expect(count("SELECT COUNT(*) FROM pending_responses")).toBe(3);
    expect(count("SELECT COUNT(*) FROM submission_keys")).toBe(3);
  } finally {
    await stop(server);
  }
});
