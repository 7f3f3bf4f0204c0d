import { test, expect, type Page } from "@playwright/test";
import {
  digna,
  enrollNewTablet,
  expectAccessible,
  expectScreen,
  kiosk,
  openKiosk,
  pending,
  questionHeading,
  released,
  releaseNow,
  skipWholeSurvey,
  sql,
  tap,
  tapTwiceAtOnce,
  REPEAT_PRESS_MS,
} from "./support";

const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
const stillThere = (page: Page) => page.getByRole("dialog", { name: "¿Sigues ahí?" });

/** Answers the two profile items (asked first) as an adult reporting for herself. */
async function answerProfileAsAdult(page: Page) {
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await tap(page, "Vine a hacer una denuncia");
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await tap(page, "18 años o más");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
}

/** Every choice on the current question is unselected. */
async function expectNothingSelected(page: Page) {
  const answers = page.locator(".answers [aria-pressed]");
  await expect(answers.first()).toBeVisible();
  await expect(page.locator(".answers [aria-pressed='true']")).toHaveCount(0);
}

test.describe("inactivity", () => {
  test("a calm prompt asks whether she is still there, and Continue keeps her answers", async ({ page }) => {
    await enrollNewTablet(page);
    // A long grace, so that the accessibility check has time to run before any reset.
    await openKiosk(page, "?inactivity=2&grace=15");
    await tap(page, "Comenzar");
    await answerProfileAsAdult(page);
    await tap(page, "Bien");
    await expect(questionHeading(page)).toHaveText("¿Sentiste que te escucharon y te creyeron, sin juzgarte?");

    await expect(stillThere(page)).toBeVisible({ timeout: 6_000 });
    await expect(stillThere(page)).toContainText("borraremos tus respuestas");
    await expect(button(page, "Continuar")).toBeFocused();
    await expectAccessible(page, "the inactivity prompt");
    await tap(page, "Continuar");
    await expect(stillThere(page)).toHaveCount(0);

    // Same question, same answers behind it.
    await expect(questionHeading(page)).toHaveText("¿Sentiste que te escucharon y te creyeron, sin juzgarte?");
    await tap(page, "Atrás");
    await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
    await expect(button(page, "Bien")).toHaveAttribute("aria-pressed", "true");
  });

  test("without a touch the answers are discarded and the kiosk returns to welcome in Spanish", async ({ page }) => {
    await enrollNewTablet(page);
    await openKiosk(page, "?inactivity=2&grace=2");
    await tap(page, "English");
    await tap(page, "Start");
    await tap(page, "I came to make a report");
    await tap(page, "18 or over");
    await tap(page, "Very bad");
    await expect(questionHeading(page)).toHaveText("Did you feel listened to and believed, without being judged?");

    await expect(page.getByRole("dialog", { name: "Are you still there?" })).toBeVisible({ timeout: 6_000 });
    await expectScreen(page, "question");
    // No touch: after the grace, back to welcome, in Spanish, with nothing kept.
    await expectScreen(page, "welcome");
    await expect(stillThere(page)).toHaveCount(0);
    await expect(kiosk(page)).toHaveAttribute("lang", "es");
    await expect(button(page, "Español")).toHaveAttribute("aria-pressed", "true");

    await tap(page, "Comenzar");
    await expect(questionHeading(page)).toHaveText("¿Quién responde?");
    await expectNothingSelected(page);
    await tap(page, "Saltar");
    await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
    await expectNothingSelected(page);
    await tap(page, "Saltar");
    await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
    await expectNothingSelected(page);
  });
});

test("no earlier answer comes back through history, a reload or leaving and returning", async ({ page }) => {
  await enrollNewTablet(page);
  const historyLength = await page.evaluate(() => history.length);
  await tap(page, "Comenzar");
  await answerProfileAsAdult(page);
  await tap(page, "Muy mal");
  await expect(questionHeading(page)).toHaveText("¿Sentiste que te escucharon y te creyeron, sin juzgarte?");
  expect(await page.evaluate(() => history.length), "screens push no history entries").toBe(historyLength);

  await page.reload();
  await expect(kiosk(page)).toHaveAttribute("data-hydrated", "true");
  await expectScreen(page, "welcome");

  await tap(page, "Comenzar");
  await expectNothingSelected(page);
  await tap(page, "Acompaño a otra persona");
  await page.goto("/");
  await page.goBack();
  await expect(kiosk(page)).toHaveAttribute("data-hydrated", "true");
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await expectNothingSelected(page);
});

test.describe("repeat-press filter", () => {
  test("a second tap within 600 ms is ignored: a double tap answers one question only", async ({ page }) => {
    await enrollNewTablet(page);
    await tap(page, "Comenzar");
    await expect(questionHeading(page)).toHaveText("¿Quién responde?");

    // Both taps in one task of the page: microseconds apart, whatever the machine's load.
    const gap = await tapTwiceAtOnce(page, "Vine a hacer una denuncia");
    expect(gap, "both taps fell inside the filter's window").toBeLessThan(REPEAT_PRESS_MS);
    await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
    await expect(page.getByText("Pregunta 2 de 11")).toBeVisible();
    await expectNothingSelected(page);

    // A tap more than 600 ms later counts again (`tap` waits that long: a loaded machine
    // only makes the wait longer).
    await tap(page, "18 años o más");
    await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
    await expect(page.getByText("Pregunta 3 de 11")).toBeVisible();
  });

  test("a double tap on the language buttons picks the first language only", async ({ page }) => {
    await enrollNewTablet(page);
    await expect(button(page, "Español")).toHaveAttribute("aria-pressed", "true");
    expect(await tapTwiceAtOnce(page, "English", "Español")).toBeLessThan(REPEAT_PRESS_MS);
    await expect(button(page, "English")).toHaveAttribute("aria-pressed", "true");
    await expect(button(page, "Español")).toHaveAttribute("aria-pressed", "false");
    await expect(kiosk(page)).toHaveAttribute("lang", "en");
    // Later, a tap counts again.
    await tap(page, "Español");
    await expect(button(page, "Español")).toHaveAttribute("aria-pressed", "true");
    await expect(kiosk(page)).toHaveAttribute("lang", "es");
  });

  test("a double tap on the staff PIN pad types one digit", async ({ page }) => {
    await enrollNewTablet(page);
    await tap(page, "Personal");
    await expectScreen(page, "staff");
    expect(await tapTwiceAtOnce(page, "7")).toBeLessThan(REPEAT_PRESS_MS);
    await expect(page.getByLabel("PIN del personal")).toHaveValue("7");
    expect(await tapTwiceAtOnce(page, "Borrar", "3")).toBeLessThan(REPEAT_PRESS_MS);
    await expect(page.getByLabel("PIN del personal"), "the 3 fell inside the window").toHaveValue("");
    await tap(page, "3");
    await expect(page.getByLabel("PIN del personal")).toHaveValue("3");
  });
});

test("a survey finished faster than the station's minimum is stored, marked suspect", async ({ page }) => {
  // Ten visits by touch: five under the minimum, five without one.
  test.setTimeout(300_000);
  const station = await enrollNewTablet(page);
  // Every survey here takes a few seconds: under a 600 s minimum, the tablet's measured
  // duration makes it suspect. No minimum gap, so that only the duration counts. The
  // suspect flag is part of what a released pool shares, so k = 5 of each kind are needed
  // for both to be released.
  digna("station", "set", station, "--min-duration-s", "600", "--min-gap-s", "0");
  for (let visitor = 1; visitor <= 5; visitor++) await skipWholeSurvey(page);
  await expect.poll(() => pending(station), { message: "the fast surveys are stored all the same" }).toBe(5);

  // The same kind of survey, once the minimum is gone, is not suspect.
  digna("station", "set", station, "--min-duration-s", "0");
  for (let visitor = 6; visitor <= 10; visitor++) await skipWholeSurvey(page);
  await expect.poll(() => pending(station), { message: "all ten are stored" }).toBe(10);
  expect(released(station), "nothing is released on arrival").toBe(0);

  expect(releaseNow(station).trim()).toBe(`${station}: 2 pools released (0 with detail withheld for privacy)`);
  expect(released(station), "a pool of five suspect and one of five plausible surveys").toBe(10);
  const suspect = sql(
    `SELECT COUNT(*) FROM responses r JOIN stations s ON s.id = r.station_id WHERE s.code = '${station}' AND r.suspect = 1`,
  );
  expect(suspect, "exactly the surveys finished under the minimum are suspect").toBe(5);
});

test.describe("read-aloud", () => {
  // These make up the server's list of recordings (page.route): a service worker, which
  // answers /audio/index.json itself, would bypass that.
  test.use({ serviceWorkers: "block" });

  test("the listen button reads the question and its choices in the visitor's language", async ({ page }) => {
    // Headless Chromium has no voices: give it one, and record what it is asked to say.
    await page.addInitScript(() => {
      const spoken: { text: string; lang: string }[] = [];
      (window as unknown as { spoken: typeof spoken }).spoken = spoken;
      const voices = [{ lang: "es-PE", name: "Prueba", voiceURI: "prueba", default: true, localService: true }];
      speechSynthesis.getVoices = () => voices as unknown as SpeechSynthesisVoice[];
      speechSynthesis.speak = (u: SpeechSynthesisUtterance) => {
        spoken.push({ text: u.text, lang: u.lang });
      };
    });
    const spoken = () => page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken);
    const clear = () => page.evaluate(() => ((window as unknown as { spoken: unknown[] }).spoken.length = 0));

    await enrollNewTablet(page);
    await expect(button(page, "Escuchar")).toBeVisible();
    await tap(page, "Escuchar");
    expect((await spoken()).map((s) => s.text)).toContain("Tu opinión nos ayuda a mejorar");

    await tap(page, "Comenzar");
    await expect(questionHeading(page)).toHaveText("¿Quién responde?");
    await clear();
    await tap(page, "Escuchar");
    expect(await spoken()).toEqual(
      ["¿Quién responde?", "Vine a hacer una denuncia", "Acompaño a otra persona", "Soy niña, niño o adolescente"].map(
        (text) => ({ text, lang: "es-PE" }),
      ),
    );

    await tap(page, "Vine a hacer una denuncia");
    await tap(page, "18 años o más");
    await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
    await clear();
    await tap(page, "Escuchar");
    expect(await spoken()).toEqual(
      ["¿Te trataron con respeto?", "Muy mal", "Mal", "Bien", "Muy bien", "Prefiero no responder"].map((text) => ({
        text,
        lang: "es-PE",
      })),
    );
  });

  test("the listen button is absent where there is no voice and no recording", async ({ page }) => {
    await page.addInitScript(() => {
      speechSynthesis.getVoices = () => [];
    });
    const listing = page.waitForResponse((r) => r.url().endsWith("/audio/index.json"));
    await enrollNewTablet(page);
    expect(await (await listing).json(), "no recording on this server").toEqual({ recordings: {}, read_aloud: [] });
    await tap(page, "Comenzar");
    await expect(questionHeading(page)).toHaveText("¿Quién responde?");
    await page.waitForTimeout(300);
    await expect(button(page, "Escuchar")).toHaveCount(0);
    await tap(page, "Salir");
    await expectScreen(page, "welcome");
    await expect(button(page, "Escuchar")).toHaveCount(0);
  });

  test("a recording, where the server lists one, is offered even without a voice", async ({ page }) => {
    await page.addInitScript(() => {
      speechSynthesis.getVoices = () => [];
    });
    await page.route("**/audio/index.json", (route) =>
      route.fulfill({ json: { recordings: { es: { welcome: "/audio/es/welcome.ogg" } }, read_aloud: [] } }),
    );
    await enrollNewTablet(page);
    await expect(button(page, "Escuchar")).toBeVisible();
    await expect(button(page, "Escuchar")).toHaveAttribute("data-source", "recording");
  });
});

test("a child reads the simpler wording, and sees no crying or angry face", async ({ page }) => {
  await enrollNewTablet(page);
  await tap(page, "Comenzar");
  await expect(questionHeading(page)).toHaveText("¿Quién responde?");
  await expect(page.locator("svg.face")).toHaveCount(0);
  await tap(page, "Soy niña, niño o adolescente");
  // From here on, the child wording of the survey.
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await expect(button(page, "De 12 a 17")).toBeVisible();
  await tap(page, "De 12 a 17");
  await expect(questionHeading(page)).toHaveText("¿Te trataron bien?");
  await expect(page.locator("svg.face")).toHaveCount(4);
  await expect(page.locator("svg.face[data-mood='upset'], svg.face[data-mood='sad']")).toHaveCount(0);
  await expect(page.locator("svg.face[data-mood='neutral']")).toHaveCount(1);
  await expectAccessible(page, "a face-scale question for a child");
  await tap(page, "Bien");
  await expect(questionHeading(page)).toHaveText("¿Te escucharon y te creyeron?");

  // Going back and changing the profile to an adult brings the usual wording and faces.
  await tap(page, "Atrás");
  await tap(page, "Atrás");
  await tap(page, "Atrás");
  await expect(questionHeading(page)).toHaveText("¿Quién eres?");
  await tap(page, "Vine a contar lo que pasó");
  // Still a child by her age band, so still the child wording.
  await expect(questionHeading(page)).toHaveText("¿Cuántos años tienes?");
  await expect(button(page, "De 12 a 17")).toHaveAttribute("aria-pressed", "true");
  await tap(page, "18 o más");
  await expect(questionHeading(page)).toHaveText("¿Te trataron con respeto?");
  await expect(page.locator("svg.face[data-mood='upset']")).toHaveCount(1);
  await expect(page.locator("svg.face[data-mood='neutral']")).toHaveCount(0);
});

/** Types the staff PIN 4821 on the pad and waits for the tablet's health. */
async function unlockPanel(page: Page) {
  await expectScreen(page, "staff");
  for (const d of "4821") await tap(page, d);
  await tap(page, "Entrar");
  await expect(page.getByRole("heading", { name: "Estado de la tableta" })).toBeVisible();
}

/** One survey delivered and one queued: the panel says so, and shows no answer. */
async function expectHealth(page: Page) {
  await expect(page.locator("[data-health='queue']")).toHaveText("1");
  await expect(page.locator("[data-health='last-delivery']")).toHaveText(/^hace /);
  await expect(page.locator("[data-health='refused']"), "nothing was refused").toHaveCount(0);
  const panel = page.locator(".screen-staff");
  for (const answer of ["Acompaño", "Soy niña", "otra persona", "adolescente", "respondent", "companion", "child"]) {
    await expect(panel).not.toContainText(answer);
  }
}

test.describe("staff panel", () => {
  test("behind the PIN it shows the tablet's health and never an answer", async ({ page }) => {
    const station = await enrollNewTablet(page);
    digna("station", "set", station, "--pin", "4821");

    // One visitor's answers are delivered; the next visitor's wait on the tablet, the
    // server being unreachable. The panel must never show either.
    await skipWholeSurvey(page, "Acompaño a otra persona");
    await expect.poll(() => pending(station), { message: "the first survey is delivered" }).toBe(1);
    await page.route("**/api/v1/responses", (route) => route.abort("internetdisconnected"));
    await skipWholeSurvey(page, "Soy niña, niño o adolescente");
    const lastDelivery = await page.evaluate(() => localStorage.getItem("digna.last_delivery"));
    expect(lastDelivery, "only the instant of the last delivery is noted").toMatch(/^\d{13}$/);

    await tap(page, "Personal");
    await expectScreen(page, "staff");
    await expect(page.getByLabel("PIN del personal")).toBeVisible();
    await expectAccessible(page, "the staff PIN pad");

    for (const d of "1111") await tap(page, d);
    await expect(page.getByLabel("PIN del personal")).toHaveValue("1111");
    await tap(page, "Entrar");
    await expect(page.getByRole("alert")).toContainText("no es correcto");
    await expect(page.getByLabel("PIN del personal")).toHaveValue("");

    await unlockPanel(page);
    await expect(page.locator("[data-health='station']")).toContainText("Comisaría de prueba");
    await expect(page.locator("[data-health='version']")).toHaveText(/^\d+\.\d+\.\d+$/);
    await expect(page.locator("[data-health='online']")).toHaveText("En línea");
    await expectHealth(page);
    await expectAccessible(page, "the staff panel with an answer queued");

    // A restart of the kiosk forgets nothing of the tablet's health.
    await tap(page, "Cerrar");
    await expectScreen(page, "welcome");
    await openKiosk(page);
    await expectScreen(page, "welcome");
    await tap(page, "Personal");
    await unlockPanel(page);
    await expectHealth(page);

    // Re-enrolling asks first; cancelling keeps the tablet enrolled.
    await tap(page, "Volver a registrar esta tableta");
    await expect(page.getByRole("alert")).toContainText("¿Volver a registrar esta tableta?");
    await tap(page, "Cancelar");
    await tap(page, "Cerrar");
    await expectScreen(page, "welcome");

    // Closing locks it again.
    await tap(page, "Personal");
    await expect(page.getByLabel("PIN del personal")).toHaveValue("");
    await unlockPanel(page);
    await tap(page, "Volver a registrar esta tableta");
    await tap(page, "Sí, volver a registrar");
    await expectScreen(page, "enroll");
    expect(await page.evaluate(() => localStorage.getItem("digna.device_token"))).toBeNull();
  });

  test("staff can leave kiosk mode to use the browser", async ({ page }) => {
    // Notes, across the navigation, whether the kiosk asked to leave full screen.
    await page.addInitScript(() => {
      const exit = Document.prototype.exitFullscreen;
      Document.prototype.exitFullscreen = function () {
        sessionStorage.setItem("test.exitedFullscreen", "yes");
        return exit.call(this);
      };
    });
    const station = await enrollNewTablet(page);
    digna("station", "set", station, "--pin", "4821");
    await page.evaluate(() => document.documentElement.requestFullscreen());
    await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null), { message: "in full screen" }).toBe(true);

    await tap(page, "Personal");
    await expect(button(page, "Salir del modo quiosco"), "only behind the PIN").toHaveCount(0);
    await unlockPanel(page);
    await tap(page, "Salir del modo quiosco");
    await expect(page).toHaveURL(/^http:\/\/[^/]+\/$/);
    await expect(kiosk(page)).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Abrir el quiosco" })).toBeVisible();
    expect(await page.evaluate(() => document.fullscreenElement)).toBeNull();
    expect(await page.evaluate(() => sessionStorage.getItem("test.exitedFullscreen")), "left full screen").toBe("yes");
    // The tablet stays enrolled: the kiosk is one link away.
    expect(await page.evaluate(() => localStorage.getItem("digna.device_token"))).not.toBeNull();
  });

  test("five wrong PINs lock the panel for a while", async ({ page }) => {
    const station = await enrollNewTablet(page);
    digna("station", "set", station, "--pin", "4821");
    await tap(page, "Personal");
    for (let attempt = 1; attempt <= 5; attempt++) {
      for (const d of "0000") await tap(page, d);
      await tap(page, "Entrar");
      await expect(page.getByRole("alert")).toBeVisible();
    }
    await expect(page.getByRole("alert")).toContainText("Demasiados intentos");
    for (const d of "4821") await tap(page, d);
    await tap(page, "Entrar");
    await expect(page.getByRole("alert")).toContainText("Demasiados intentos");
    await expect(page.getByRole("heading", { name: "Estado de la tableta" })).toHaveCount(0);
  });
});
