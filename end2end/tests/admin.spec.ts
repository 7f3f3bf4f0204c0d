import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, expectScreen, newStation, openKiosk, pending, signInAsNewAdmin, sql, submitSealed } from "./support";
import { SERVER_ENV, DIGNA } from "../playwright.config";

// An administrator runs the network from the browser: she creates a station, enrolls a
// tablet that a second browser (the tablet) uses at once, revokes it, and publishes a
// second survey version with a corrected Quechua text. axe-core checks every admin page.

/** Taps a kiosk button slower than the kiosk's repeat-press filter. */
async function tap(page: Page, name: string) {
  await page.getByRole("button", { name, exact: true }).tap();
  await page.waitForTimeout(650);
}

async function skipWholeSurvey(page: Page) {
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  while ((await page.locator("[data-screen]").getAttribute("data-screen")) === "question") {
    await tap(page, "Saltar");
  }
  await expectScreen(page, "thanks");
  await tap(page, "Terminar");
  await expectScreen(page, "welcome");
}

test("an admin creates a station, enrolls a tablet that submits, then revokes it", async ({ page, browser }) => {
  await signInAsNewAdmin(page);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expectAccessible(page, "the admin overview");

  await page.goto("/admin/stations");
  await expectAccessible(page, "the stations page");
  const code = `ADM-${process.pid % 1000}`;
  const form = page.locator("#new-station");
  // A mistake first: the form says what is wrong and keeps what was typed.
  await form.getByLabel(/Código/).fill(code);
  await form.getByLabel("Nombre").fill("Comisaría de Villa El Salvador");
  await form.getByLabel("Región").fill("Lima Sur");
  await form.getByLabel("Zona horaria").fill("Lima/Peru");
  await form.getByRole("button", { name: "Añadir" }).click();
  await expect(page.locator("#st-timezone-error")).toBeVisible();
  await expect(form.getByLabel("Nombre")).toHaveValue("Comisaría de Villa El Salvador");
  await expectAccessible(page, "the stations page with errors");
  await form.getByLabel("Zona horaria").fill("America/Lima");
  await form.getByRole("button", { name: "Añadir" }).click();
  await expect(page.locator(`tr[data-station="${code}"]`)).toBeVisible();

  await page.locator(`tr[data-station="${code}"] a`).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(code);
  await expectAccessible(page, "a station page");
  await page.locator("#enroll-tablet button").click();
  const enrollment = (await page.locator("#enrollment-code").textContent())!.replace(/\s+/g, "").trim();
  expect(enrollment.length).toBeGreaterThanOrEqual(8);
  await expect(page.locator("svg").first()).toBeVisible();
  await expectAccessible(page, "the enrollment code and its QR code");

  // The tablet: a second browser, with nothing of the admin's session.
  const tabletContext = await browser.newContext();
  const tablet = await tabletContext.newPage();
  await openKiosk(tablet);
  await expectScreen(tablet, "enroll");
  await tablet.getByLabel("Código de registro").fill(enrollment);
  await tap(tablet, "Registrar");
  await skipWholeSurvey(tablet);
  await expect.poll(() => pending(code), { timeout: 60_000 }).toBe(1);
  const token = await tablet.evaluate(() => localStorage.getItem("digna.device_token"));
  expect(token).toBeTruthy();
  // The server's seal key, kept beside the token (a revoked tablet can no longer ask for it).
  const sealKey = await tablet.evaluate(() => localStorage.getItem("digna.seal_public_key"));
  expect(sealKey).toBeTruthy();

  // The admin sees the tablet, with the day it delivered, and revokes it.
  await page.reload();
  const row = page.locator("#tablets tr[data-tablet]");
  await expect(row).toHaveCount(1);
  const today = new Date().toLocaleDateString("en-CA", { timeZone: "America/Lima" });
  await expect(row).toContainText(today);
  await row.getByRole("button", { name: /Revocar/ }).click();
  // A revocation is confirmed on its own page first.
  await expectAccessible(page, "the revocation confirmation");
  await page.locator("#confirm-revoke").getByRole("button", { name: /Sí, revocar/ }).click();
  await expect(page.locator("#tablets tr[data-tablet]")).toContainText(/[Rr]evocada/);
  expect(sql(`SELECT revoked FROM tablets WHERE station_id = (SELECT id FROM stations WHERE code = '${code}')`)).toBe(1);

  // Its next submission is refused, and the kiosk asks staff to enroll it again.
  const refused = await submitSealed(
    tablet.request,
    token!,
    { id: randomUUID(), survey_version: 1, language: "es", answers: { respect: 4 } },
    sealKey!,
  );
  expect(refused.status()).toBe(401);
  await openKiosk(tablet);
  await expectScreen(tablet, "enroll");
  expect(pending(code)).toBe(1);
  await tabletContext.close();

  await page.goto("/admin/audit");
  await expectAccessible(page, "the audit log");
  await expect(page.locator("#admin-audit")).toContainText("tablet.revoke");
  await expect(page.locator("#admin-audit")).toContainText("station.create");
});

test("an admin corrects a Quechua text and publishes version 2", async ({ page }) => {
  await signInAsNewAdmin(page);
  const before = sql("SELECT MAX(version) FROM survey_versions WHERE published = 1");
  await page.goto("/admin/survey");
  await expectAccessible(page, "the survey versions");
  await page.locator("#new-draft button").click();
  await expectAccessible(page, "the draft editor");
  await page.goto(`/admin/survey/${before + 1}/preview?visitor=qu&child=1`);
  await expect(page.getByText(/Vista previa/).first()).toBeVisible();
  await expectAccessible(page, "the kiosk preview of the draft");

  await page.goto("/admin/translations");
  await expectAccessible(page, "the translations");
  const fixed = "¿Allinllachu qamta rikusurqanku?";
  const cell = page.locator('[name="text:respect::qu"]');
  await cell.fill(fixed);
  await cell.locator("xpath=ancestor::form[1]").getByRole("button").first().click();
  await expect(page.locator('[name="text:respect::qu"]')).toHaveValue(fixed);

  await page.goto("/admin/survey");
  await page.locator("#publish button").click();
  await expect
    .poll(() => sql("SELECT MAX(version) FROM survey_versions WHERE published = 1"))
    .toBe(before + 1);
  const stored = execFileSync(
    "sqlite3",
    [
      `${SERVER_ENV.DATABASE_URL.replace("sqlite://", "")}`,
      `SELECT text FROM texts WHERE survey_version = ${before + 1} AND question_key = 'respect' AND choice_key = '' AND language = 'qu'`,
    ],
    { encoding: "utf8" },
  ).trim();
  expect(stored).toBe(fixed);

  for (const path of ["/admin/accounts", "/admin/retention", "/admin/survey", `/admin/survey/${before}`]) {
    await page.goto(path);
    await expectAccessible(page, path);
  }
});

test("an admin invites a supervisor, who sets her own password and signs in", async ({ page, browser }) => {
  newStation(); // in Lima Centro
  await signInAsNewAdmin(page);
  await page.goto("/admin/accounts");
  const email = `sup-${process.pid}-${Date.now()}@digna.test`;
  const form = page.locator("#invite");
  await form.getByLabel("Correo electrónico").fill(email);
  await form.getByLabel("Rol").selectOption("supervisor");
  await form.getByLabel("Lima Centro").first().check();
  await form.getByRole("button", { name: "Invitar" }).click();
  const link = await page.locator("#invite-url").inputValue();
  expect(link).toMatch(/\/invite\//);
  await expectAccessible(page, "an account with its invitation link");

  // She opens the link in her own browser and chooses her password.
  const hers = await browser.newContext();
  const invitee = await hers.newPage();
  await invitee.goto(link);
  await expectAccessible(invitee, "the invitation page");
  const password = "mi contraseña propia de supervisora";
  await invitee.getByLabel("Contraseña nueva").fill(password);
  await invitee.getByLabel("Escríbela otra vez").fill("otra cosa distinta por error");
  await invitee.getByRole("button", { name: "Guardar la contraseña" }).click();
  await expect(invitee.locator(".field-error").first()).toBeVisible();
  await invitee.getByLabel("Contraseña nueva").fill(password);
  await invitee.getByLabel("Escríbela otra vez").fill(password);
  await invitee.getByRole("button", { name: "Guardar la contraseña" }).click();
  await expect(invitee).toHaveURL(/\/signin/);
  await invitee.getByLabel("Correo electrónico").fill(email);
  await invitee.getByLabel("Contraseña").fill(password);
  await invitee.getByRole("button", { name: "Entrar" }).click();
  await expect(invitee).toHaveURL(/\/dashboard/);
  // The link worked once only.
  await invitee.goto(link);
  await expect(invitee.locator("h1")).toBeVisible();
  expect((await invitee.request.get(link)).status()).toBe(410);
  await hers.close();
});

test("an admin adds a webhook endpoint, sees its secret once, and sends it a test", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/admin/webhooks");
  await expectAccessible(page, "the notifications page");
  const label = `Operaciones ${process.pid}-${Date.now()}`;
  const form = page.locator("#add-endpoint");
  await form.getByLabel("Nombre").fill(label);
  await form.getByLabel("URL (https://…)").fill("ftp://hooks.invalid/e2e");
  await form.getByRole("button", { name: "Agregar" }).click();
  await expect(page.locator("#endpoint-url-error")).toContainText("https://");
  await expect(page.getByLabel("URL (https://…)")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "the add form with an error");

  await page.getByLabel("URL (https://…)").fill("https://hooks.invalid/e2e");
  await page.locator("#add-endpoint").getByRole("button", { name: "Agregar" }).click();
  const secret = (await page.locator("#new-secret code").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  await expectAccessible(page, "the new endpoint's secret");
  await page.goto("/admin/webhooks");
  await expect(page.locator("#endpoints")).toContainText(label);
  expect(await page.content()).not.toContain(secret);

  const row = page.locator("#endpoints tr", { hasText: label });
  await row.getByRole("button", { name: "Enviar prueba" }).click();
  await expect(page.locator("#deliveries")).toContainText("test");
  await expectAccessible(page, "the delivery log");
});

test("a staff member chooses her e-mail notifications on her own page", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/account");
  await page.getByRole("link", { name: "Avisos por correo" }).click();
  await expect(page).toHaveURL(/\/account\/notifications/);
  // This test server has no SMTP settings: the page says so, and keeps her choices.
  await expect(page.locator("#mail-off")).toContainText("El correo no está configurado");
  await expect(page.locator("#test-email")).toHaveCount(0);
  await expectAccessible(page, "the notification settings");

  await page.getByLabel("Cuando una tableta deja de entregar respuestas").check();
  await page.getByLabel("Un resumen semanal").check();
  await page.getByLabel("Día", { exact: true }).selectOption({ label: "viernes" });
  await page.getByLabel("Hora", { exact: true }).selectOption("17");
  await page.getByLabel("Zona horaria").selectOption("America/La_Paz");
  await page.getByLabel("English").check();
  await page.getByRole("button", { name: "Guardar" }).click();
  await expect(page.locator("#saved")).toHaveText("Guardado.");
  await expectAccessible(page, "the notification settings, saved");

  await page.reload();
  await expect(page.getByLabel("Cuando una tableta deja de entregar respuestas")).toBeChecked();
  await expect(page.getByLabel("Un resumen semanal")).toBeChecked();
  await expect(page.getByLabel("Cuando el índice de dignidad de una comisaría baja")).not.toBeChecked();
  await expect(page.getByLabel("Día", { exact: true })).toHaveValue("5");
  await expect(page.getByLabel("Hora", { exact: true })).toHaveValue("17");
  await expect(page.getByLabel("Zona horaria")).toHaveValue("America/La_Paz");
  await expect(page.getByLabel("English")).toBeChecked();
});
