import { execFileSync } from "node:child_process";
import { expect, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import sodium from "libsodium-wrappers";
import { SERVER_ENV, DATA_DIR, DIGNA } from "../playwright.config";

/** Runs the `digna` command line against the test server's database. */
export function digna(...args: string[]): string {
  return execFileSync(DIGNA, args, { env: { ...process.env, ...SERVER_ENV }, encoding: "utf8" });
}

/**
 * Runs a release now, outside the schedule (`digna release`): of the station coded
 * `station`, or of every station. Returns what it printed, one line per station, such as
 * `LIM-01: 1 pool released (0 with detail withheld for privacy)`. Nothing is released when
 * answers arrive: a test that wants released rows delivers at least k = 5 responses that
 * share language, survey version, suspect flag, respondent, age band and waiting time,
 * then calls this.
 */
export function releaseNow(station?: string): string {
  return digna("release", ...(station === undefined ? [] : ["--station", station]));
}

/** The local time (HH:MM, Lima) twelve hours from now: no scheduled release falls inside a test. */
function twelveHoursFromNow(): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "America/Lima",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(Date.now() + 12 * 3600 * 1000));
}

let stationCounter = 0;

/**
 * A new station and a fresh one-time enrollment code for it. Its scheduled release (a
 * random minute of its night otherwise) is moved twelve hours away, so that only
 * `releaseNow` releases its answers during a test.
 */
export function newStation(): { code: string; enrollment: string } {
  stationCounter += 1;
  const code = `E2E-${process.pid % 1000}-${stationCounter}`;
  digna("station", "add", "--code", code, "--name", `Comisaría de prueba ${stationCounter}`, "--region", "Lima Centro");
  digna("station", "set", code, "--release-at", twelveHoursFromNow());
  const out = digna("tablet", "enroll", "--station", code).trim().split("\n");
  return { code, enrollment: out[out.length - 1].trim() };
}

/** The frame a tablet seals a submission in: whatever the answers, this many bytes. */
export const SUBMISSION_FRAME = 4096;
/** What a sealed box adds to its plaintext (libsodium's crypto_box_SEALBYTES: an ephemeral key and a MAC). */
export const SEALBYTES = 48;

/** Durations a tablet measured for an unhurried visitor: never suspect. */
export const PLAUSIBLE_DURATIONS = { survey_ms: 90_000, since_previous_ms: null };

/** The server's seal public key (standard base64), as `GET /api/v1/kiosk` gives it to a tablet. */
export async function sealPublicKey(request: APIRequestContext, token: string): Promise<string> {
  const resp = await request.get("/api/v1/kiosk", { headers: { authorization: `Bearer ${token}` } });
  expect(resp.status(), "GET /api/v1/kiosk gives the seal key").toBe(200);
  const key = (await resp.json()).seal_public_key as string;
  expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  return key;
}

/**
 * `json` in a frame of exactly SUBMISSION_FRAME bytes, as a tablet frames it: a zero byte,
 * the JSON's length as four big-endian bytes, the UTF-8 JSON, then zeros.
 */
export function frame(json: string): Uint8Array {
  const content = Buffer.from(json, "utf8");
  if (content.length > SUBMISSION_FRAME - 5) {
    throw new Error(`a submission of ${content.length} bytes does not fit a frame of ${SUBMISSION_FRAME}`);
  }
  const framed = Buffer.alloc(SUBMISSION_FRAME);
  framed.writeUInt32BE(content.length, 1);
  content.copy(framed, 5);
  return new Uint8Array(framed.buffer, framed.byteOffset, framed.byteLength);
}

/** `body`'s JSON, framed and sealed (libsodium `crypto_box_seal`) to `publicKey`, in standard base64. */
export async function seal(body: object, publicKey: string): Promise<string> {
  await sodium.ready;
  const sealed = sodium.crypto_box_seal(frame(JSON.stringify(body)), new Uint8Array(Buffer.from(publicKey, "base64")));
  expect(sealed.length, "every sealed submission has one size").toBe(SUBMISSION_FRAME + SEALBYTES);
  return Buffer.from(sealed).toString("base64");
}

/**
 * Posts `body` (`{id, survey_version, language, answers[, durations]}`) to
 * `/api/v1/responses` as a tablet does: with `durations` (PLAUSIBLE_DURATIONS unless given),
 * framed and sealed to the server's key, as `{"sealed": "<base64>"}`. The key comes from
 * `GET /api/v1/kiosk` unless `publicKey` is given (a revoked tablet can no longer read it).
 */
export async function submitSealed(
  request: APIRequestContext,
  token: string,
  body: object,
  publicKey?: string,
): Promise<APIResponse> {
  const key = publicKey ?? (await sealPublicKey(request, token));
  const withDurations = "durations" in body ? body : { ...body, durations: PLAUSIBLE_DURATIONS };
  return request.post("/api/v1/responses", {
    headers: { authorization: `Bearer ${token}` },
    data: { sealed: await seal(withDurations, key) },
  });
}

/** One number from the test server's database (SQLite's file, or PostgreSQL). */
export function sql(query: string): number {
  const url = SERVER_ENV.DATABASE_URL;
  const out = url.startsWith("postgres")
    ? execFileSync("psql", [url, "-Atc", query], { encoding: "utf8" })
    : execFileSync("sqlite3", [`${DATA_DIR}/digna.db`, query], { encoding: "utf8" });
  return Number(out.trim());
}

/** Released responses of a station: rows a release wrote (`releaseNow`), never arrivals. */
export function released(station: string): number {
  return sql(`SELECT COUNT(*) FROM responses r JOIN stations s ON s.id = r.station_id WHERE s.code = '${station}'`);
}

/** Responses of a station that arrived and wait, sealed, for a release. */
export function pending(station: string): number {
  return sql(`SELECT COUNT(*) FROM pending_responses p JOIN stations s ON s.id = p.station_id WHERE s.code = '${station}'`);
}

export const kiosk = (page: Page) => page.locator("[data-screen]");

/** Opens the kiosk and waits until the WebAssembly has hydrated it: taps before that are lost. */
export async function openKiosk(page: Page, query = "") {
  await page.goto(`/kiosk${query}`);
  await expect(kiosk(page)).toHaveAttribute("data-hydrated", "true");
}

export async function expectScreen(page: Page, screen: string) {
  await expect(kiosk(page)).toHaveAttribute("data-screen", screen);
}

/** Enrolls this browser as a tablet at a new station; leaves the kiosk on the welcome screen. */
export async function enrollNewTablet(page: Page): Promise<string> {
  const { code, enrollment } = newStation();
  await openKiosk(page);
  await expectScreen(page, "enroll");
  await page.getByLabel("Código de registro").fill(enrollment);
  await tap(page, "Registrar");
  await expectScreen(page, "welcome");
  return code;
}

/** axe-core finds no WCAG 2.x A/AA violation on what the page shows now. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary, `accessibility violations on ${what}`).toEqual([]);
}

const lastTap = new WeakMap<Page, number>();

/** The kiosk ignores a tap within this many milliseconds of the previous accepted one. */
export const REPEAT_PRESS_MS = 600;

/**
 * Taps a kiosk button by its exact accessible name, as a person does: never inside the
 * kiosk's repeat-press filter (600 ms after the previous tap), where the tap would be ignored.
 */
export async function tap(page: Page, name: string) {
  const wait = (lastTap.get(page) ?? 0) + REPEAT_PRESS_MS + 50 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.getByRole("button", { name, exact: true }).tap();
  lastTap.set(page, Date.now());
}

/**
 * Taps `first`, then `second` (by default `first` again), both inside one task of the page:
 * microseconds apart however loaded the machine, so the second always falls inside the
 * repeat-press window. Returns the gap between the two, in milliseconds of the page's clock.
 */
export async function tapTwiceAtOnce(page: Page, first: string, second = first): Promise<number> {
  const wait = (lastTap.get(page) ?? 0) + REPEAT_PRESS_MS + 50 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  const a = await page.getByRole("button", { name: first, exact: true }).elementHandle();
  const b = await page.getByRole("button", { name: second, exact: true }).elementHandle();
  const gap = await page.evaluate(
    ([a, b]) => {
      const started = performance.now();
      (a as HTMLElement).click();
      (b as HTMLElement).click();
      return performance.now() - started;
    },
    [a, b],
  );
  lastTap.set(page, Date.now());
  return gap;
}

/** The heading of the current question. */
export const questionHeading = (page: Page) => page.locator("[data-screen='question'] h1, [data-screen='question'] h2").first();

/** The current 6-digit TOTP code of a base32 secret (RFC 6238: SHA-1, 30 s). */
export function totp(secretBase32: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secretBase32.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHmac } = require("node:crypto") as typeof import("node:crypto");
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

/**
 * A visitor who taps `first` on the first question, if given, and skips every other
 * question, from welcome to the thank-you screen, then back to welcome.
 */
export async function skipWholeSurvey(page: Page, first?: string) {
  await expectScreen(page, "welcome");
  await tap(page, "Comenzar");
  if (first !== undefined) await tap(page, first);
  while ((await kiosk(page).getAttribute("data-screen")) === "question") {
    await expect(questionHeading(page)).toBeVisible();
    await tap(page, "Saltar");
  }
  await expectScreen(page, "thanks");
  await tap(page, "Terminar");
  await expectScreen(page, "welcome");
}

const ADMIN_PASSWORD = "contraseña de administradora e2e";

/** A new admin account, signed in with its second step set up. */
export async function signInAsNewAdmin(page: Page): Promise<string> {
  const email = `admin-${process.pid}-${Date.now()}@digna.test`;
  execFileSync(DIGNA, ["user", "create", "--email", email, "--role", "admin", "--password-stdin"], {
    env: { ...process.env, ...SERVER_ENV },
    input: `${ADMIN_PASSWORD}\n`,
    encoding: "utf8",
  });
  await page.goto("/signin");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Entrar" }).click();
  await expect(page).toHaveURL(/\/account\/two-factor/);
  const secret = (await page.locator("#totp-secret").textContent())!.trim();
  await page.getByLabel(/Código de 6 cifras/).fill(totp(secret));
  await page.getByRole("button", { name: "Activar" }).click();
  await expect(page.locator("#recovery-codes li")).toHaveCount(10);
  return email;
}
