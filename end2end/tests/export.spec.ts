import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { expectAccessible, newStation, releaseNow, released, submitSealed, totp } from "./support";
import { SERVER_ENV, DIGNA } from "../playwright.config";

// A researcher sets up her second step, exports a region for a quarter, and downloads
// one ZIP holding the data files and the codebook.

const PASSWORD = "contraseña de investigadora e2e";

/** Delivers k = 5 sealed answers of one profile (one pool) to a station, and releases them. */
async function batch(request: APIRequestContext, station: string, enrollment: string) {
  const enrolled = await request.post("/api/v1/tablets/enroll", { data: { code: enrollment } });
  const { token } = await enrolled.json();
  for (let i = 0; i < 5; i++) {
    const resp = await submitSealed(request, token, {
      id: randomUUID(), survey_version: 1, language: "es",
      answers: { respect: 4, overall: 3, waiting_time: "15-30", respondent: "self", age_band: "18-plus" },
    });
    expect(resp.status()).toBe(201);
  }
  releaseNow(station);
  expect(released(station), "the five are released together").toBe(5);
}

test("a researcher exports a region for a quarter and downloads the ZIP", async ({ page, request }) => {
  const { code, enrollment } = newStation(); // in Lima Centro
  await batch(request, code, enrollment);
  const email = `res-${process.pid}@digna.test`;
  execFileSync(DIGNA, ["user", "create", "--email", email, "--role", "researcher", "--region", "Lima Centro", "--password-stdin"], {
    env: { ...process.env, ...SERVER_ENV }, input: `${PASSWORD}\n`, encoding: "utf8",
  });

  await page.goto("/signin");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(PASSWORD);
  await page.getByRole("button", { name: "Entrar" }).click();
  // Researchers must set up the second step first.
  await expect(page).toHaveURL(/\/account\/two-factor/);
  const secret = (await page.locator("#totp-secret").textContent())!.trim();
  await page.getByLabel(/Código de 6 cifras/).fill(totp(secret));
  await page.getByRole("button", { name: "Activar" }).click();
  await expect(page.locator("#recovery-codes li")).toHaveCount(10);

  await page.getByRole("link", { name: "Exportar" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Exportar microdatos anonimizados");
  await expectAccessible(page, "the export form");
  await page.getByLabel("Lima Centro").check();
  // A quarter: the three months up to this one.
  const now = new Date();
  const month = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  await page.getByLabel("Desde el mes").fill(month(new Date(now.getFullYear(), now.getMonth() - 2, 1)));
  await page.getByLabel("Hasta el mes").fill(month(now));
  await page.getByRole("button", { name: "Exportar" }).click();

  await expect(page.locator("#export-done")).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page, "the finished export");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Descargar el ZIP" }).click(),
  ]);
  const file = await download.path();
  const listing = execFileSync("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", file], { encoding: "utf8" });
  for (const name of ["responses.csv", "responses.xlsx", "responses.json", "codebook.md"]) {
    expect(listing).toContain(name);
  }
  expect(fs.statSync(file).size).toBeGreaterThan(1000);
});
