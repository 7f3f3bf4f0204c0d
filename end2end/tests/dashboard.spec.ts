import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { digna, expectAccessible, newStation, releaseNow, released, submitSealed } from "./support";
import { SERVER_ENV, DIGNA } from "../playwright.config";

// A supervisor signs in, reads the overview, a station and a comparison: the charts
// come with their numbers as tables and download as SVG, and every page passes axe.

const PASSWORD = "contraseña de supervisora e2e";

/**
 * Enrolls a tablet at a new station, delivers k = 5 sealed answers from visitors of one
 * profile (so that they make one pool) and releases them, as the station's nightly
 * release would.
 */
async function stationWithBatch(request: APIRequestContext, respect: number): Promise<string> {
  const { code, enrollment } = newStation();
  const enrolled = await request.post("/api/v1/tablets/enroll", { data: { code: enrollment } });
  expect(enrolled.status()).toBe(201);
  const { token } = await enrolled.json();
  for (let i = 0; i < 5; i++) {
    const resp = await submitSealed(request, token, {
      id: randomUUID(),
      survey_version: 1,
      language: "es",
      answers: {
        respect, believed: 3, informed: 2, privacy: 4, language: 4, safety: 3, overall: respect,
        waiting_time: "15-30", improve: ["information"], respondent: "self", age_band: "18-plus",
      },
    });
    expect(resp.status()).toBe(201);
  }
  expect(released(code), "nothing is released on arrival").toBe(0);
  expect(releaseNow(code).trim()).toBe(`${code}: 1 pool released (0 with detail withheld for privacy)`);
  expect(released(code)).toBe(5);
  return code;
}

function createSupervisor(email: string, stations: string[]) {
  execFileSync(
    DIGNA,
    ["user", "create", "--email", email, "--role", "supervisor", ...stations.flatMap((s) => ["--station", s]), "--password-stdin"],
    { env: { ...process.env, ...SERVER_ENV }, input: `${PASSWORD}\n`, encoding: "utf8" },
  );
}

test("a supervisor reads the overview, a station and a comparison", async ({ page, request }, testInfo) => {
  const good = await stationWithBatch(request, 4);
  const poor = await stationWithBatch(request, 1);
  const email = `sup-${process.pid}@digna.test`;
  createSupervisor(email, [good, poor]);

  // Sign in.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/signin/);
  await expectAccessible(page, "the sign-in page");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(PASSWORD);
  await page.getByRole("button", { name: "Entrar" }).click();

  // The overview: one row per station of hers, with its dignity index.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Resumen de comisarías");
  const table = page.locator("#overview-table");
  await expect(table.locator(`tr[data-station="${good}"]`)).toBeVisible();
  await expect(table.locator(`tr[data-station="${poor}"]`)).toBeVisible();
  await expect(table.locator(`tr[data-station="${good}"] td`).nth(2)).toHaveText("81,0");
  await expectAccessible(page, "the overview");

  // Sorting by index, highest first, puts the better station on top.
  await page.getByRole("link", { name: /Índice de dignidad/ }).click();
  await page.getByRole("link", { name: /Índice de dignidad/ }).click();
  await expect(table.locator("tbody tr").first()).toHaveAttribute("data-station", good);

  // A station page: the weekly index chart, shown as a table on request.
  await table.getByRole("link", { name: good }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(good);
  const chart = page.locator('figure[data-chart-name="index"]');
  await expect(chart.locator("svg[role=img]")).toBeVisible();
  await expect(chart.locator("circle.datum")).toHaveCount(1);
  const asTable = chart.locator("details.as-table table");
  await expect(asTable).toBeHidden();
  await chart.getByText("Ver como tabla").click();
  await expect(asTable).toBeVisible();
  await expect(asTable.locator("tbody tr")).toHaveCount(1);
  await expect(asTable.locator("tbody td").nth(1)).toHaveText("81,0");
  await expectAccessible(page, "the station page");
  await testInfo.attach("station page", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });

  // The chart downloads as SVG.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    chart.getByRole("link", { name: "Descargar SVG" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.svg$/);
  const svg = await (await download.createReadStream()).toArray();
  expect(Buffer.concat(svg).toString("utf8")).toContain('data-value="81"');

  // A comparison of her two stations.
  await page.getByRole("link", { name: "Comparar" }).click();
  await page.getByLabel(new RegExp(`^${good}`)).check();
  await page.getByLabel(new RegExp(`^${poor}`)).check();
  await page.getByRole("button", { name: "Comparar" }).click();
  const compare = page.locator("#compare-table");
  await expect(compare).toBeVisible();
  await expect(compare.locator("thead th")).toHaveText([good, poor]);
  await expectAccessible(page, "the comparison");

  // Signing out ends the session: the dashboard asks to sign in again.
  await page.getByRole("button", { name: "Salir" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/signin/);
});

test("the demo accounts are printed by seed-demo", async () => {
  // Against this test server's own database: no demo stations are added once others
  // exist, but the accounts and their passwords are always listed.
  const out = digna("seed-demo");
  expect(out).toContain("supervisora@digna.demo");
});
