import { test, expect, type Page } from "@playwright/test";
import {
  enrollNewTablet,
  expectAccessible,
  expectScreen,
  openKiosk,
  pending,
  questionHeading,
  released,
  sql,
  tap,
} from "./support";

const K = 5;

/** Answers the whole default survey in Spanish, by touch, one screen at a time: the two
 * profile items first, then the care questions in survey order. */
async function answerWholeSurvey(page: Page, checkA11y = false) {
  const scale = async (question: string, answer: string) => {
    await expect(questionHeading(page)).toHaveText(question);
    await tap(page, answer);
  };
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await tap(page, "Vine a hacer una denuncia");
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await tap(page, "18 años o más");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
  if (checkA11y) await expectAccessible(page, "a face-scale question");
  await tap(page, "Muy bien");
  await scale("¿Sentiste que te escucharon y te creyeron, sin juzgarte?", "Bien");
  await scale("¿Te explicaron claramente qué pasará ahora y cuáles son tus derechos?", "Mal");
  await scale("¿Pudiste hablar en privado?", "Prefiero no responder");
  await scale("¿Te atendieron en un idioma que entiendes bien?", "Muy bien");
  await scale("¿Te sentiste segura o seguro en la sala de espera?", "Muy mal");
  await expect(questionHeading(page)).toHaveText("¿Cuánto tiempo esperaste?");
  if (checkA11y) await expectAccessible(page, "a single-choice question");
  await tap(page, "De 15 a 30 minutos");
  await scale("En general, ¿cómo fue tu atención hoy?", "Bien");
  await expect(questionHeading(page)).toHaveText("¿Qué mejorarías?");
  await tap(page, "Más información sobre mi caso");
  await tap(page, "Más privacidad");
  await expect(page.getByRole("button", { name: "Más privacidad", exact: true })).toHaveAttribute("aria-pressed", "true");
  if (checkA11y) await expectAccessible(page, "a multiple-choice question");
  await tap(page, "Siguiente");
}

const rollup = (station: string, question: string, value: string) =>
  sql(
    `SELECT COALESCE(SUM(a.answers), 0) FROM answer_rollups a JOIN stations s ON s.id = a.station_id
     WHERE s.code = '${station}' AND a.question_key = '${question}' AND a.value = '${value}'`,
  );

test("a visitor answers the whole survey by touch, k times, and exactly those k responses are released", async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));

  await openKiosk(page);
  await expectScreen(page, "enroll");
  await expectAccessible(page, "the enrollment screen");
  const station = await enrollNewTablet(page);
  await expect(page.getByRole("complementary", { name: "Ayuda" })).toContainText("Línea 100 — gratuita, 24 horas");
  await expectAccessible(page, "the welcome screen");

  for (let visitor = 1; visitor <= K; visitor++) {
    await expectScreen(page, "welcome");
    await tap(page, "Comenzar");
    await expectScreen(page, "question");
    await expect(page.getByRole("complementary", { name: "Ayuda" })).toContainText("Línea 100");
    await answerWholeSurvey(page, visitor === 1);
    await expectScreen(page, "thanks");
    await expect(page.getByRole("heading", { name: "Gracias" })).toBeVisible();
    await expect(page.getByText("Línea 100").first()).toBeVisible();
    if (visitor === 1) await expectAccessible(page, "the thank-you screen");
    // Back to welcome by itself, ready for the next visitor.
    await expectScreen(page, "welcome");
    if (visitor < K) {
      await expect.poll(() => pending(station), { message: `visitor ${visitor} delivered` }).toBe(visitor);
      expect(released(station), "fewer than k stay sealed").toBe(0);
    }
  }

  await expect.poll(() => released(station), { message: "the k-th answer releases the batch" }).toBe(K);
  expect(pending(station)).toBe(0);
  expect(rollup(station, "respect", "4")).toBe(K);
  expect(rollup(station, "privacy", "rather_not")).toBe(K);
  expect(rollup(station, "waiting_time", "15-30")).toBe(K);
  expect(rollup(station, "improve", "information")).toBe(K);
  expect(rollup(station, "improve", "privacy")).toBe(K);
  expect(rollup(station, "improve", "waiting")).toBe(0);
  expect(consoleErrors, "no errors in the browser console").toEqual([]);
});

test("skipping every question still submits a response", async ({ page }) => {
  const station = await enrollNewTablet(page);
  await tap(page, "Comenzar");
  for (let i = 0; i < 11; i++) {
    await expectScreen(page, "question");
    await tap(page, "Saltar");
  }
  await expectScreen(page, "thanks");
  await expect.poll(() => pending(station)).toBe(1);
});

test("back shows the previous answer, which can be changed", async ({ page }) => {
  await enrollNewTablet(page);
  await tap(page, "Comenzar");
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await tap(page, "Vine a hacer una denuncia");
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await tap(page, "18 años o más");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
  await tap(page, "Mal");
  await expect(questionHeading(page)).toHaveText("¿Sentiste que te escucharon y te creyeron, sin juzgarte?");
  await tap(page, "Atrás");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
  await expect(page.getByRole("button", { name: "Mal", exact: true })).toHaveAttribute("aria-pressed", "true");
  await tap(page, "Atrás");
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await expect(page.getByRole("button", { name: "18 años o más", exact: true })).toHaveAttribute("aria-pressed", "true");
  await tap(page, "Atrás");
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await tap(page, "Atrás");
  await expectScreen(page, "welcome");
});

test("the visitor can switch language", async ({ page }) => {
  await enrollNewTablet(page);
  const picker = page.getByRole("button", { name: "English", exact: true });
  await expect(page.getByRole("button", { name: "Español", exact: true })).toHaveAttribute("aria-pressed", "true");
  await picker.tap();
  await expect(picker).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("[data-screen]")).toHaveAttribute("lang", "en");
  await tap(page, "Start");
  await expect(questionHeading(page)).toHaveText("Who is answering?");
  await tap(page, "I came to make a report");
  await expect(questionHeading(page)).toHaveText("How old are you?");
  await tap(page, "18 or over");
  await expect(questionHeading(page)).toHaveText("Were you treated with respect?");
  await expect(page.getByRole("button", { name: "Very good", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Skip", exact: true })).toBeVisible();
  await expectAccessible(page, "a question in English");
  await tap(page, "Exit");
  await expectScreen(page, "welcome");
  await expect(page.getByRole("button", { name: "Español", exact: true })).toHaveAttribute("aria-pressed", "true");
});

test("the exit button discards the answers at once", async ({ page }) => {
  const station = await enrollNewTablet(page);
  await tap(page, "Comenzar");
  await tap(page, "Acompaño a otra persona");
  await tap(page, "18 años o más");
  await tap(page, "Muy mal");
  await tap(page, "Muy mal");
  await expect(questionHeading(page)).toHaveText("¿Te explicaron claramente qué pasará ahora y cuáles son tus derechos?");
  await tap(page, "Salir");
  await expectScreen(page, "welcome");
  // The next visitor starts from the first question, with nothing selected.
  await tap(page, "Comenzar");
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await expect(page.getByRole("button", { name: "Acompaño a otra persona", exact: true })).toHaveAttribute("aria-pressed", "false");
  await tap(page, "Saltar");
  await tap(page, "Saltar");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
  await expect(page.getByRole("button", { name: "Muy mal", exact: true })).toHaveAttribute("aria-pressed", "false");
  await page.waitForTimeout(1000);
  expect(pending(station), "nothing was sent").toBe(0);
  expect(released(station)).toBe(0);
});

test("a wrong enrollment code is explained and kept", async ({ page }) => {
  await openKiosk(page);
  await expectScreen(page, "enroll");
  await page.getByLabel("Código de registro").fill("ZZZZ-ZZZZ");
  await tap(page, "Registrar");
  await expect(page.getByRole("alert")).toContainText("no es válido");
  await expect(page.getByLabel("Código de registro")).toHaveValue("ZZZZ-ZZZZ");
  await expectScreen(page, "enroll");
});
