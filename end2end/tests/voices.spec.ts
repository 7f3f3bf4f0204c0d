import { expect, test, type Page } from "@playwright/test";
import { enrollNewTablet, expectAccessible, questionHeading, signInAsNewAdmin, tap } from "./support";

// A native speaker records a prompt on the admin console's "Voces" page (Chromium's fake
// microphone stands in for her), the administrator listens and approves it; a tablet's
// kiosk, restarted without a network, plays it from its cache: the server no longer has
// it when the visit begins, and nothing the visit asks for reaches the network.

type Played = { src: string; state: string };

test("a recording made in the browser is approved, then played on the kiosk from its cache", async ({ page, browser }) => {
  await signInAsNewAdmin(page);
  await page.goto("/admin/voices");
  await expectAccessible(page, "the voices overview");
  await page.goto("/admin/voices/es");
  await expectAccessible(page, "a language's voices");

  const prompt = page.locator("tr", { has: page.locator("td.voice-text", { hasText: /^¿Quién responde\?$/ }) });
  const key = (await prompt.getAttribute("data-key"))!;
  const row = () => page.locator(`tr[data-key="${key}"]`);
  await expect(row()).toHaveAttribute("data-status", "missing");
  await row().getByRole("button", { name: "Grabar" }).click();
  await expect(row().getByRole("button", { name: "Detener" })).toBeVisible();
  await page.waitForTimeout(1500);
  await row().getByRole("button", { name: "Detener" }).click();
  await expect(row().locator("audio.voice-preview")).toBeVisible();
  await row().getByRole("button", { name: "Guardar esta grabación" }).click();
  await expect(row()).toHaveAttribute("data-status", "unapproved");
  const src = (await row().locator("audio").first().getAttribute("src"))!;
  const sha = src.match(/([0-9a-f]{64})\.ogg$/)![1];
  // She listens to what was kept.
  const heard = await page.request.get(src);
  expect(heard.headers()["content-type"]).toBe("audio/ogg");
  await row().getByRole("button", { name: "Aprobar" }).click();
  await expect(row()).toHaveAttribute("data-status", "approved");
  await expectAccessible(page, "a language's voices with an approved recording");

  // A tablet, in a browser of its own, that records what it plays.
  const context = await browser.newContext();
  const kiosk = await context.newPage();
  await kiosk.addInitScript(() => {
    const played: { src: string; state: string }[] = [];
    (window as unknown as { played: typeof played }).played = played;
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      const entry = { src: this.src, state: "asked" };
      played.push(entry);
      for (const state of ["playing", "ended", "error"]) this.addEventListener(state, () => (entry.state = state));
      return play.call(this);
    };
  });
  await enrollNewTablet(kiosk);
  const url = `/voices/${sha}.ogg`;
  // The service worker controls the kiosk and has kept the recording.
  await kiosk.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
    }
  });
  const kept = () =>
    kiosk.evaluate(async (url) => {
      for (const name of await caches.keys()) if (await (await caches.open(name)).match(url)) return true;
      return false;
    }, url);
  await expect.poll(kept).toBe(true);

  // The server no longer has it: only the cache can play it now.
  await row().getByRole("button", { name: "Quitar" }).click();
  await expect(row()).toHaveAttribute("data-status", "missing");
  expect((await page.request.get(url)).status()).toBe(404);

  const asked: string[] = [];
  kiosk.on("requestfinished", async (request) => {
    const response = await request.response();
    if (!response?.fromServiceWorker()) asked.push(request.url());
  });
  await context.setOffline(true);
  // The tablet restarts without a network: its list of recordings comes from the cache.
  await kiosk.reload();
  await expect(kiosk.locator("[data-screen]")).toHaveAttribute("data-screen", "welcome");
  await tap(kiosk, "Comenzar");
  await expect(questionHeading(kiosk)).toHaveText("¿Quién responde?");
  const listen = kiosk.locator("button.listen");
  await expect(listen).toHaveAttribute("data-source", "recording");
  await tap(kiosk, "Escuchar");
  const played = () => kiosk.evaluate(() => (window as unknown as { played: Played[] }).played);
  await expect.poll(async () => (await played()).map((p) => p.src)).toEqual([new URL(url, kiosk.url()).href]);
  await expect.poll(async () => (await played())[0].state).toMatch(/^(playing|ended)$/);
  expect(asked, "nothing the visit asked for went to the network").toEqual([]);
  await context.close();
});

test.describe("read aloud", () => {
  // The server's list of recordings is made up here (page.route): a service worker, which
  // answers /audio/index.json itself, would bypass that.
  test.use({ serviceWorkers: "block" });

  test("where a language is read aloud, each screen reads itself after her first tap, with a button to stop it", async ({ page }) => {
    // Headless Chromium has no voices: give it one, and record what it is asked to say.
    await page.addInitScript(() => {
      const spoken: string[] = [];
      (window as unknown as { spoken: string[] }).spoken = spoken;
      const voices = [{ lang: "es-PE", name: "Prueba", voiceURI: "prueba", default: true, localService: true }];
      speechSynthesis.getVoices = () => voices as unknown as SpeechSynthesisVoice[];
      speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void spoken.push(u.text);
    });
    await page.route("**/audio/index.json", (route) => route.fulfill({ json: { recordings: {}, read_aloud: ["es"] } }));
    const spoken = () => page.evaluate(() => (window as unknown as { spoken: string[] }).spoken);
    await enrollNewTablet(page);
    await page.waitForTimeout(300);
    expect(await spoken(), "the welcome screen waits for her").toEqual([]);

    await tap(page, "Comenzar");
    await expect(questionHeading(page)).toHaveText("¿Quién responde?");
    await expect.poll(spoken).toEqual([
      "¿Quién responde?",
      "Vine a hacer una denuncia",
      "Acompaño a otra persona",
      "Soy niña, niño o adolescente",
    ]);
    const stop = page.getByRole("button", { name: "Detener", exact: true });
    await expect(stop).toHaveAttribute("aria-pressed", "true");
    await tap(page, "Detener");
    await expect(page.getByRole("button", { name: "Escuchar", exact: true })).toHaveAttribute("aria-pressed", "false");
    await expectAccessible(page, "a question read aloud");
  });
});

test("a recording approved while a kiosk runs is played from the next visitor on, never to the one on it", async ({ page, browser }) => {
  const context = await browser.newContext();
  const kiosk = await context.newPage();
  const lists: string[] = [];
  kiosk.on("request", (request) => {
    if (new URL(request.url()).pathname === "/audio/index.json") lists.push(request.url());
  });
  await enrollNewTablet(kiosk);
  await tap(kiosk, "Comenzar");
  await expect(questionHeading(kiosk)).toHaveText("¿Quién responde?");
  // Headless Chromium has no voice: without a recording there is nothing to listen to.
  await expect(kiosk.locator("button.listen")).toHaveCount(0);
  const listsBefore = lists.length;

  // Meanwhile an administrator uploads a recording of that question and approves it.
  await signInAsNewAdmin(page);
  await page.goto("/admin/voices/es");
  const prompt = page.locator("tr", { has: page.locator("td.voice-text", { hasText: /^¿Quién responde\?$/ }) });
  const key = (await prompt.getAttribute("data-key"))!;
  const row = () => page.locator(`tr[data-key="${key}"]`);
  await row().locator("input[type=file]").setInputFiles("../server/tests/fixtures/voices/tone.opus");
  await row().getByRole("button", { name: "Subir", exact: true }).click();
  await expect(row()).toHaveAttribute("data-status", "unapproved");
  await row().getByRole("button", { name: "Aprobar" }).click();
  await expect(row()).toHaveAttribute("data-status", "approved");

  // The visitor on the tablet goes on as she began: no new list, no new button.
  await tap(kiosk, "Saltar");
  await tap(kiosk, "Atrás");
  await expect(questionHeading(kiosk)).toHaveText("¿Quién responde?");
  await expect(kiosk.locator("button.listen")).toHaveCount(0);
  expect(lists.length, "no list read during her visit").toBe(listsBefore);

  // The next visitor hears it.
  while ((await kiosk.locator("[data-screen]").getAttribute("data-screen")) === "question") await tap(kiosk, "Saltar");
  await tap(kiosk, "Terminar");
  await expect.poll(() => lists.length, "the list is read again between visitors").toBeGreaterThan(listsBefore);
  await tap(kiosk, "Comenzar");
  await expect(questionHeading(kiosk)).toHaveText("¿Quién responde?");
  await expect(kiosk.locator("button.listen")).toHaveAttribute("data-source", "recording");

  // Tidy up for the other tests: the prompt has no recording again.
  await row().getByRole("button", { name: "Quitar" }).click();
  await expect(row()).toHaveAttribute("data-status", "missing");
  await context.close();
});
