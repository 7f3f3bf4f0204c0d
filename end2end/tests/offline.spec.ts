import { test, expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { DATA_DIR } from "../playwright.config";
import {
  digna,
  enrollNewTablet,
  expectAccessible,
  expectScreen,
  newStation,
  openKiosk,
  pending,
  kiosk,
  questionHeading,
  SEALBYTES,
  skipWholeSurvey,
  SUBMISSION_FRAME,
  tap,
} from "./support";

// `context.setOffline` does not cut a service worker's own requests, so "the server
// is unreachable" is made by failing the kiosk's deliveries in the page. The service
// worker never handles a POST, so every delivery is seen (and failed) here.
const RESPONSES = "**/api/v1/responses";
const cutDelivery = (page: Page) => page.route(RESPONSES, (route) => route.abort("internetdisconnected"));
const restoreDelivery = (page: Page) => page.unroute(RESPONSES);


/** A visitor who gives the answers a test would look for in storage, skipping the rest. */
async function answerSurvey(page: Page) {
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  const button = (name: string) => page.getByRole("button", { name, exact: true });
  while ((await page.locator("[data-screen]").getAttribute("data-screen")) === "question") {
    await expect(questionHeading(page)).toBeVisible();
    if (await button("Muy bien").isVisible()) {
      await tap(page, "Muy bien");
    } else if (await button("De 15 a 30 minutos").isVisible()) {
      await tap(page, "De 15 a 30 minutos");
    } else if (await button("Más información sobre mi caso").isVisible()) {
      await tap(page, "Más información sobre mi caso");
      await tap(page, "Siguiente");
    } else {
      await tap(page, "Saltar");
    }
  }
  await expectScreen(page, "thanks");
  await tap(page, "Terminar");
  await expectScreen(page, "welcome");
}

/** How many answers wait in the tablet's queue (IndexedDB `digna`, store `queue`). */
const queued = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open("digna");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("queue")) return resolve(0);
          const count = db.transaction("queue").objectStore("queue").count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(count.error);
        };
      }),
  );

/**
 * A visitor who answers every question, and the answers that make her JSON longest: on a
 * multiple-choice question every choice, elsewhere the choice with the longest key (such
 * as "rather_not" on a face scale). Returns, per question, the keys she chose.
 */
async function answerEverything(page: Page): Promise<Record<string, string[]>> {
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  const chosen: Record<string, string[]> = {};
  const question = page.locator("[data-screen='question'] section[data-question]");
  // The question shown (its key), or the screen shown when it is not a question.
  const shown = async () => {
    const screen = await kiosk(page).getAttribute("data-screen");
    return screen === "question" ? `question:${await question.getAttribute("data-question")}` : `screen:${screen}`;
  };
  let previous = "";
  for (;;) {
    // The next question (never the one just answered), or the end of the survey.
    await expect.poll(shown, { message: `what follows ${previous}` }).not.toBe(previous);
    previous = await shown();
    if (!previous.startsWith("question:")) break;
    const key = previous.slice("question:".length);
    await expect(questionHeading(page)).toBeVisible();
    const choices = await question.locator(".answers [aria-pressed]").evaluateAll((buttons) =>
      buttons.map((b) => ({
        value: (b as HTMLElement).dataset.value ?? "",
        label: (b.querySelector(".answer-label")?.textContent ?? "").trim(),
      })),
    );
    expect(choices.length, `question ${key} offers choices`).toBeGreaterThan(0);
    const multiple = (await question.locator("button.next").count()) > 0;
    if (multiple) {
      for (const { label } of choices) await tap(page, label);
      for (const { label } of choices) {
        await expect(question.getByRole("button", { name: label, exact: true })).toHaveAttribute("aria-pressed", "true");
      }
      chosen[key] = choices.map((c) => c.value);
      await tap(page, "Siguiente");
    } else {
      const longest = choices.reduce((a, b) => (b.value.length > a.value.length ? b : a));
      chosen[key] = [longest.value];
      await tap(page, longest.label);
    }
  }
  await expectScreen(page, "thanks");
  await tap(page, "Terminar");
  await expectScreen(page, "welcome");
  return chosen;
}

/** Each record of the tablet's queue (IndexedDB `digna`, store `queue`): its id, and its sealed box's kind and length in bytes. */
const queuedRecords = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<{ id: string; kind: string; bytes: number }[]>((resolve, reject) => {
        const open = indexedDB.open("digna");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction("queue").objectStore("queue").getAll();
          all.onsuccess = () => {
            db.close();
            resolve(
              (all.result as { id: unknown; sealed: ArrayBuffer | ArrayBufferView }[]).map((r) => ({
                id: String(r.id),
                kind: Object.prototype.toString.call(r.sealed),
                bytes: r.sealed.byteLength,
              })),
            );
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );

/** Everything the page can read back: every IndexedDB database and store, and localStorage. */
const tabletStorage = (page: Page) =>
  page.evaluate(async () => {
    const text = (value: unknown): string =>
      JSON.stringify(value, (_key, v) => {
        if (v instanceof ArrayBuffer) v = new Uint8Array(v);
        if (ArrayBuffer.isView(v)) return String.fromCharCode(...new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        return v;
      });
    const parts: string[] = [];
    let records = 0;
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(info.name!);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(name).objectStore(name).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        records += all.length;
        parts.push(`${info.name}/${name}: ${text(all)}`);
      }
      db.close();
    }
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      parts.push(`localStorage ${key}: ${localStorage.getItem(key)}`);
    }
    return { all: parts.join("\n"), records };
  });

/** The words of a survey's answers and of its plain JSON form, none of which may be readable on the tablet. */
const PLAINTEXT = ["respect", "believed", "safety", "waiting_time", "15-30", "improve", "information", "rather_not", "survey_version"];

test("answers given while the server is unreachable survive a reload and are stored exactly once", async ({ page }) => {
  const station = await enrollNewTablet(page);
  await cutDelivery(page);

  for (let visitor = 1; visitor <= 3; visitor++) await skipWholeSurvey(page);
  await expect.poll(() => queued(page), { message: "three answers wait on the tablet" }).toBe(3);
  expect(pending(station), "nothing reached the server").toBe(0);

  // A restart of the kiosk keeps the queue, and the kiosk still works.
  await openKiosk(page);
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  await expectScreen(page, "question");
  await expect(questionHeading(page)).toBeVisible();
  await tap(page, "Salir");
  await expectScreen(page, "welcome");
  expect(await queued(page)).toBe(3);

  await restoreDelivery(page);
  await expect
    .poll(() => pending(station), { message: "the three queued answers arrive", timeout: 60_000 })
    .toBe(3);
  await expect.poll(() => queued(page), { message: "and leave the queue" }).toBe(0);
  // Retries and the delivery at start never store an answer twice.
  await page.waitForTimeout(2000);
  expect(pending(station)).toBe(3);
});

test("the tablet's storage holds no readable answer, delivered or queued", async ({ page }) => {
  const station = await enrollNewTablet(page);
  await answerSurvey(page);
  await expect.poll(() => pending(station), { message: "the first answer is delivered" }).toBe(1);

  await cutDelivery(page);
  await answerSurvey(page);
  await expect.poll(() => queued(page), { message: "the second answer waits on the tablet" }).toBe(1);

  const stored = await tabletStorage(page);

  expect(stored.records, "the queued answer was read back").toBe(1);
  expect(stored.all).toContain("digna.seal_public_key");
  for (const plain of PLAINTEXT) {
    expect(stored.all, `no "${plain}" on the tablet`).not.toContain(plain);
  }

  await restoreDelivery(page);
  await expect.poll(() => pending(station), { timeout: 60_000 }).toBe(2);
});

test("every queued answer has one size, whether she skipped every question or took every choice", async ({ page }) => {
  const station = await enrollNewTablet(page);
  let attempts = 0;
  await page.route(RESPONSES, (route) => {
    attempts += 1;
    return route.abort("internetdisconnected");
  });

  // The smallest survey there is, and the largest a visitor can give.
  await skipWholeSurvey(page);
  const chosen = await answerEverything(page);
  expect(Object.keys(chosen).length, "she answered every question").toBe(11);
  expect(chosen["improve"], "and took every choice of the multiple-choice question").toHaveLength(7);

  await expect.poll(() => queued(page), { message: "both wait on the tablet" }).toBe(2);
  await expect.poll(() => attempts, { message: "the kiosk tried to deliver them" }).toBeGreaterThan(0);
  const records = await queuedRecords(page);
  expect(records).toHaveLength(2);
  expect(new Set(records.map((r) => r.id)).size, "two surveys, not one twice").toBe(2);
  for (const record of records) {
    expect(record.kind, "a sealed box is stored as bytes").toMatch(/Uint8Array|ArrayBuffer/);
    expect(record.bytes, "a frame of 4,096 bytes, sealed (+48)").toBe(SUBMISSION_FRAME + SEALBYTES);
  }
  expect(pending(station), "nothing reached the server").toBe(0);

  // Both are whole submissions the server takes, the largest one too.
  await restoreDelivery(page);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect.poll(() => pending(station), { message: "both are delivered", timeout: 60_000 }).toBe(2);
  await expect.poll(() => queued(page), { message: "and leave the queue" }).toBe(0);
});

test.describe("a tablet that has never reached /api/v1/kiosk", () => {
  // The service worker fetches /api/v1/kiosk itself, out of the page's routes' sight:
  // without it, the page's routes alone decide what the tablet can reach.
  test.use({ serviceWorkers: "block" });

  test("seals and queues an answer with the key from enrolment, keeps it through a reload, and delivers it once", async ({
    page,
  }) => {
    const KIOSK = "**/api/v1/kiosk";
    const storedKey = () => page.evaluate(() => localStorage.getItem("digna.seal_public_key"));
    let kioskTries = 0;
    await page.route(KIOSK, (route) => {
      kioskTries += 1;
      return route.abort("internetdisconnected");
    });
    await cutDelivery(page);
    const station = await enrollNewTablet(page);
    await expect.poll(() => kioskTries, { message: "the kiosk asked for its configuration in vain" }).toBeGreaterThan(0);
    expect(await storedKey(), "the key from enrolment is kept").toMatch(/^[A-Za-z0-9+/]{43}=$/);

    await answerSurvey(page);
    await expect.poll(() => queued(page), { message: "the answer is queued durably at once" }).toBe(1);

    // A restart, still without the server: the answer is still queued, and sealed.
    await openKiosk(page);
    await expectScreen(page, "welcome");
    expect(await queued(page), "the reload kept it").toBe(1);
    const stored = await tabletStorage(page);
    expect(stored.records, "the queued answer was read back").toBe(1);
    for (const plain of PLAINTEXT) {
      expect(stored.all, `no "${plain}" on the tablet`).not.toContain(plain);
    }
    expect(pending(station), "nothing reached the server").toBe(0);

    // The network returns: the answer is delivered sealed, and stored once.
    const deliveries: string[] = [];
    await restoreDelivery(page);
    await page.route(RESPONSES, (route) => {
      deliveries.push(route.request().postData() ?? "");
      return route.continue();
    });
    await page.unroute(KIOSK);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await expect.poll(() => pending(station), { message: "the queued answer arrives", timeout: 60_000 }).toBe(1);
    await expect.poll(() => queued(page), { message: "and leaves the queue" }).toBe(0);
    expect(deliveries.length).toBeGreaterThan(0);
    for (const body of deliveries) expect(Object.keys(JSON.parse(body)), "only sealed deliveries").toEqual(["sealed"]);
    await page.waitForTimeout(2000);
    expect(pending(station), "stored exactly once").toBe(1);

    // The server's key is replaced: the tablet keeps the one /api/v1/kiosk now publishes.
    const replaced = Buffer.alloc(32, 7).toString("base64");
    expect(await storedKey()).not.toBe(replaced);
    await page.route(KIOSK, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), seal_public_key: replaced } });
    });
    await openKiosk(page);
    await expectScreen(page, "welcome");
    await expect.poll(storedKey, { message: "the replaced key is kept" }).toBe(replaced);
  });
});

test("a revoked tablet keeps its queue, and delivers it after re-enrolment", async ({ page }) => {
  const station = await enrollNewTablet(page);
  await cutDelivery(page);
  await skipWholeSurvey(page);
  await expect.poll(() => queued(page)).toBe(1);

  execFileSync("sqlite3", [
    `${DATA_DIR}/digna.db`,
    `UPDATE tablets SET revoked = 1 WHERE station_id = (SELECT id FROM stations WHERE code = '${station}')`,
  ]);
  await restoreDelivery(page);
  // The next delivery gets 401: staff are asked to enroll the tablet again; nothing is dropped.
  await expectScreen(page, "enroll");
  await expect(page.getByText("ya no está registrada").first()).toBeVisible();
  expect(await queued(page)).toBe(1);
  expect(pending(station)).toBe(0);

  const lines = digna("tablet", "enroll", "--station", station).trim().split("\n");
  await page.getByLabel("Código de registro").fill(lines[lines.length - 1]);
  await tap(page, "Registrar");
  await expectScreen(page, "welcome");
  await expect.poll(() => pending(station), { message: "delivered with the new token", timeout: 60_000 }).toBe(1);
  await expect.poll(() => queued(page)).toBe(0);
});

test("an answer the server refuses stays queued, is offered again, and is delivered once the server takes it", async ({
  page,
}) => {
  const station = await enrollNewTablet(page);
  digna("station", "set", station, "--pin", "4821");
  // A server that answers, but refuses every survey (as a misconfigured or half-upgraded one might).
  let refusals = 0;
  await page.route(RESPONSES, (route) => {
    refusals += 1;
    return route.fulfill({ status: 422, json: { error: "validation", field: "answers", message: "refused" } });
  });
  await skipWholeSurvey(page);
  await expect.poll(() => refusals, { message: "refused, then offered again", timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  expect(await queued(page), "a refused answer is never dropped").toBe(1);
  expect(pending(station)).toBe(0);

  // The staff panel counts the refusals; it never shows what was refused.
  await tap(page, "Personal");
  for (const d of "4821") await tap(page, d);
  await tap(page, "Entrar");
  await expect(page.locator("[data-health='queue']")).toHaveText("1");
  await expect(page.locator("[data-health='refused']")).toHaveText("1");
  await expectAccessible(page, "the staff panel with a refused answer queued");

  // The server takes it again; the network coming back delivers at once (no wait for the backoff).
  await restoreDelivery(page);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect.poll(() => pending(station), { message: "delivered once accepted", timeout: 60_000 }).toBe(1);
  await expect.poll(() => queued(page)).toBe(0);
  await expect(page.locator("[data-health='refused']")).toHaveCount(0, { timeout: 15_000 });
  await expect(page.locator("[data-health='queue']")).toHaveText("0", { timeout: 15_000 });
});

test.describe("error states", () => {
  // Without a service worker, the page's own routes see the survey request.
  test.use({ serviceWorkers: "block" });

  test("the enrollment screen with an error and the offline screen are accessible", async ({ page }) => {
    await openKiosk(page);
    await expectScreen(page, "enroll");
    await page.getByLabel("Código de registro").fill("ZZZZ-ZZZZ");
    await tap(page, "Registrar");
    await expect(page.getByRole("alert")).toContainText("El código no es válido");
    await expectAccessible(page, "the enrollment screen refusing a code");

    const { enrollment } = newStation();
    await page.route("**/api/v1/tablets/enroll", (route) => route.abort("internetdisconnected"));
    await page.getByLabel("Código de registro").fill(enrollment);
    await tap(page, "Registrar");
    await expect(page.getByRole("alert")).toContainText("No hay conexión con el servidor");
    await expectAccessible(page, "the enrollment screen without a connection");
    await page.unroute("**/api/v1/tablets/enroll");
    await tap(page, "Registrar");
    await expectScreen(page, "welcome");

    // Restarted without a connection to the server: the offline screen, which retries.
    await page.route("**/api/v1/survey", (route) => route.abort("internetdisconnected"));
    await openKiosk(page);
    await expectScreen(page, "offline");
    await expect(page.getByRole("heading", { name: "No hay conexión" })).toBeVisible();
    await expectAccessible(page, "the offline screen");
    await page.unroute("**/api/v1/survey");
    await tap(page, "Reintentar");
    await expectScreen(page, "welcome");
  });
});

test.describe("lazy staff screens", () => {
  // Without a service worker, every fetch of a WebAssembly module is seen, and can be
  // failed, here.
  test.use({ serviceWorkers: "block" });

  test("a visitor's tablet never fetches the staff screens' module; if it cannot be fetched, the kiosk goes on", async ({
    page,
  }) => {
    const station = await enrollNewTablet(page);
    digna("station", "set", station, "--pin", "4821");
    const modules: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith(".wasm")) modules.push(new URL(r.url()).pathname);
    });
    await openKiosk(page);
    await skipWholeSurvey(page);
    expect(modules, "a whole visit needs only the main module").toEqual(["/pkg/digna.wasm"]);

    // The staff panel's module cannot be fetched: the offline screen, and the kiosk still works.
    const STAFF_MODULE = "**/pkg/split_*.wasm";
    await page.route(STAFF_MODULE, (route) => route.abort("internetdisconnected"));
    await tap(page, "Personal");
    await expectScreen(page, "offline");
    await page.unroute(STAFF_MODULE);
    await tap(page, "Reintentar");
    await skipWholeSurvey(page);

    // Once it can be fetched, the panel opens.
    await tap(page, "Personal");
    await expectScreen(page, "staff");
    for (const d of "4821") await tap(page, d);
    await tap(page, "Entrar");
    await expect(page.locator("[data-health='queue']")).toHaveText("0");
    expect(modules.filter((m) => m.includes("/split_")).length, "fetched when opened, again after a failure").toBe(2);
  });
});

test("the kiosk is an installable web app with a fresh service worker", async ({ page, request }) => {
  await openKiosk(page);
  const href = await page.locator("link[rel='manifest']").getAttribute("href");
  expect(href).toBe("/manifest.webmanifest");
  const manifest = await (await request.get(href!)).json();
  expect(manifest).toMatchObject({ start_url: "/kiosk", display: "fullscreen", orientation: "any" });
  for (const icon of manifest.icons) {
    const resp = await request.get(icon.src);
    expect(resp.status(), icon.src).toBe(200);
    expect(resp.headers()["content-type"]).toContain("image/png");
  }
  const sw = await request.get("/sw.js");
  expect(sw.status()).toBe(200);
  expect(sw.headers()["cache-control"]).toContain("no-cache");
  const source = await sw.text();
  expect(source).not.toContain("__DIGNA");
  expect(source).toContain("/pkg/digna.wasm");
});
