// End to end in headless Chromium against the running stack (API + worker + Druid):
// drop a generated CSV on the Upload page, watch the bytes go out, watch the task reach
// SUCCEEDED live (no reload), check the row accounting, then open the dataset's dashboard
// and check the chart has one point per day of data.
//
//   cd frontend && npm run e2e            (SLUICE_E2E_URL defaults to http://127.0.0.1:8000)
//
// It signs in first: SLUICE_E2E_EMAIL / SLUICE_E2E_PASSWORD, by default the first admin that
// `make run` creates (admin@localhost, password in .data/secrets/first-admin-password).
//
// Screenshots go to tests/e2e/artifacts/ (git-ignored); with SLUICE_E2E_DOCS=1 the key
// ones are also copied to docs/screenshots/. Chromium is Debian's, never downloaded.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
// playwright-core is a dev dependency of the web app.
const { chromium } = createRequire(join(root, "frontend", "package.json"))("playwright-core");

const BASE = (process.env.SLUICE_E2E_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
// Presigned part URLs point here (the S3 endpoint the API signs for).
const S3_ORIGIN = (process.env.SLUICE_S3_ENDPOINT_URL ?? "http://127.0.0.1:8333").replace(/\/$/, "");
// Where the test's datasource is dropped afterwards (the same setting the API reads).
const COORDINATOR = (process.env.SLUICE_DRUID_COORDINATOR_URL ?? "http://127.0.0.1:8081").replace(/\/$/, "");
const CHROMIUM = process.env.SLUICE_E2E_CHROMIUM ?? "/usr/bin/chromium";
const INGEST_TIMEOUT_MS = Number(process.env.SLUICE_E2E_INGEST_TIMEOUT_MS ?? 8 * 60_000);
const ARTIFACTS = join(here, "artifacts");
const FIRST_ADMIN_PASSWORD = join(root, ".data", "secrets", "first-admin-password");
const EMAIL = process.env.SLUICE_E2E_EMAIL ?? "admin@localhost";
const PASSWORD =
  process.env.SLUICE_E2E_PASSWORD ??
  (existsSync(FIRST_ADMIN_PASSWORD) ? readFileSync(FIRST_ADMIN_PASSWORD, "utf8").trim() : "");
const DOCS = join(root, "docs", "screenshots");

// The data: DAYS consecutive days, ROWS_PER_DAY rows each, in a fixed past month.
const DAYS = 12;
const ROWS_PER_DAY = 2500;
const COUNTRIES = ["FR", "DE", "US", "JP", "BR"];
const CITIES = { FR: ["Paris", "Lyon"], DE: ["Berlin", "Hamburg"], US: ["Austin", "Boston"], JP: ["Osaka", "Tokyo"], BR: ["Recife", "Santos"] };

function makeCsv() {
  const lines = ["time,country,city,product,qty,amount"];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let day = 0; day < DAYS; day += 1) {
    for (let i = 0; i < ROWS_PER_DAY; i += 1) {
      const t = new Date(Date.UTC(2024, 2, 1 + day, 0, 0, Math.floor(rand() * 86399)));
      const country = COUNTRIES[Math.floor(rand() * COUNTRIES.length)];
      const city = CITIES[country][Math.floor(rand() * 2)];
      const product = `sku-${1 + Math.floor(rand() * 40)}`;
      lines.push(`${t.toISOString()},${country},${city},${product},${1 + Math.floor(rand() * 9)},${(rand() * 500).toFixed(2)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const results = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`  FAIL  ${name}\n        ${String(error?.message ?? error).split("\n").join("\n        ")}`);
    throw error;
  }
}

async function apiIsUp() {
  try {
    const response = await fetch(`${BASE}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
      signal: AbortSignal.timeout(5000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!(await apiIsUp())) {
    console.log(`The Sluice API does not answer at ${BASE}/graphql. Start the stack (make run) or set SLUICE_E2E_URL.`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }

  const csv = makeCsv();
  const datasource = `e2e_sales_${Date.now().toString(36)}`;
  const partsDatasource = `${datasource}_parts`;
  const filename = `${datasource}.csv`;
  const profileDir = mkdtempSync(join(tmpdir(), "sluice-e2e-chromium-"));
  // A persistent context is how Playwright takes an explicit (fresh, temporary) profile.
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
  const s3Requests = [];
  page.on("request", (request) => {
    if (request.url().startsWith(S3_ORIGIN)) s3Requests.push(`${request.method()} ${request.url().split("?")[0]}`);
  });
  // Drop a CSV file on the Upload page as a person would, and name its dataset.
  const dropCsv = async (name, dataset) => {
    await page.evaluate(
      ({ name, text }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name, { type: "text/csv" }));
        const zone = document.querySelector('[data-testid="dropzone"]');
        for (const type of ["dragenter", "dragover", "drop"])
          zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      },
      { name, text: csv },
    );
    await page.getByRole("list", { name: "Selected files" }).getByText(name).waitFor();
    await page.getByRole("combobox", { name: /Dataset name/ }).fill(dataset);
    await page.getByText(`Creates a new dataset “${dataset}”.`).waitFor();
  };
  const shot = async (name, target = page, options = {}) => {
    if (options.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), ...options });
  };

  console.log(`e2e against ${BASE}: ${filename}, ${(csv.length / 1e6).toFixed(1)} MB, ${DAYS * ROWS_PER_DAY} rows over ${DAYS} days`);
  try {
    await check("without a session only the sign-in page shows; signing in opens the app", async () => {
      if (!PASSWORD) throw new Error(`no password: set SLUICE_E2E_PASSWORD (or run make run once for ${FIRST_ADMIN_PASSWORD})`);
      await page.goto(`${BASE}/`, { waitUntil: "networkidle" });
      await page.getByRole("heading", { level: 1, name: "Sign in to Sluice" }).waitFor();
      await page.getByLabel(/E-mail/).fill(EMAIL);
      await page.getByLabel(/Password/).fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: "Upload" }).waitFor();
    });

    await check("the app loads at / with no errors", async () => {
      await page.goto(`${BASE}/`, { waitUntil: "networkidle" });
      await page.getByRole("heading", { level: 1, name: "Upload" }).waitFor();
      await page.evaluate(() => {
        window.__sluiceE2eMarker = "no reload";
      });
      await shot("01-upload-empty");
    });

    await check("a dropped CSV is listed and the dataset name is checked", async () => {
      await dropCsv(filename, datasource);
    });

    await check("the bytes-sent progress bar moves while the file uploads", async () => {
      // Slow the upload down so the bar is visible between 0 and 100%.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 400 * 1024,
      });
      await page.evaluate(() => {
        window.__sluiceProgress = [];
        window.__sluiceStatuses = [];
        new MutationObserver(() => {
          const bar = document.querySelector('[data-testid="bytes-progress"]');
          const value = bar?.getAttribute("aria-valuenow");
          if (value != null) window.__sluiceProgress.push(Number(value));
          const status = document.querySelector('[data-testid="upload-row"] [data-testid="task-status"]')?.getAttribute("data-status");
          if (status && window.__sluiceStatuses.at(-1) !== status) window.__sluiceStatuses.push(status);
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow", "data-status"] });
      });
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      const bar = page.getByRole("progressbar", { name: `Bytes sent for ${filename}` });
      await bar.waitFor();
      await page.waitForFunction(() => window.__sluiceProgress.some((v) => v > 25 && v < 90), null, { timeout: 60_000 });
      await shot("02-upload-progress");
      await page.locator('[data-testid="upload-row"] [data-testid="task-status"]').waitFor({ timeout: 120_000 });
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      const seen = await page.evaluate(() => window.__sluiceProgress);
      const middle = seen.filter((v) => v > 0 && v < 100);
      if (middle.length < 2) throw new Error(`expected the bar to pass through several values, saw ${JSON.stringify(seen)}`);
      console.log(`        progress seen: ${[...new Set(seen)].slice(0, 12).join(", ")}…`);
    });

    await check("the task reaches SUCCEEDED live, without a reload", async () => {
      const status = page.locator('[data-testid="upload-row"] [data-testid="task-status"]');
      await page.waitForFunction(
        () => {
          const s = document.querySelector('[data-testid="upload-row"] [data-testid="task-status"]')?.getAttribute("data-status");
          return s === "SUCCEEDED" || s === "FAILED" || s === "CANCELLED";
        },
        null,
        { timeout: INGEST_TIMEOUT_MS, polling: 500 },
      );
      const final = await status.getAttribute("data-status");
      const statuses = await page.evaluate(() => window.__sluiceStatuses);
      console.log(`        statuses seen live: ${statuses.join(" → ")}`);
      await shot("03-upload-succeeded");
      if (final !== "SUCCEEDED") {
        const reason = await page.locator('[data-testid="task-progress"]').innerText();
        throw new Error(`the task ended ${final}: ${reason}`);
      }
      if (statuses.length < 2) throw new Error(`expected live transitions, saw only ${JSON.stringify(statuses)}`);
      const marker = await page.evaluate(() => window.__sluiceE2eMarker);
      if (marker !== "no reload") throw new Error("the page was reloaded");
    });

    await check("the task page accounts for every row", async () => {
      await page.getByRole("link", { name: "View task" }).click();
      await page.getByRole("heading", { level: 1, name: filename }).waitFor();
      const total = await page.getByTestId("rows-total").innerText();
      if (total.replace(/\D/g, "") !== String(DAYS * ROWS_PER_DAY)) throw new Error(`rows in the file: ${total}`);
      const verdict = await page.getByTestId("accounting-check").innerText();
      if (!verdict.startsWith("Every row is accounted for")) throw new Error(verdict);
      await page.getByRole("table", { name: "Column profile" }).waitFor();
      await shot("04-task", page, { fullPage: true });
    });

    await check("the dashboard draws one point per day", async () => {
      await page.getByRole("link", { name: datasource }).first().click();
      await page.getByRole("heading", { level: 1, name: datasource }).waitFor();
      await page.getByRole("combobox", { name: "Granularity" }).click();
      await page.getByRole("option", { name: "Day", exact: true }).click();
      const chart = page.getByTestId("timeseries-chart");
      await chart.waitFor({ timeout: 60_000 });
      await page.waitForFunction(
        (days) => document.querySelector('[data-testid="timeseries-chart"]')?.getAttribute("data-points") === String(days),
        DAYS,
        { timeout: 30_000 },
      );
      const lines = await chart.locator("svg path").count();
      if (lines === 0) throw new Error("the chart has no drawn line");
      const bars = page.getByRole("region", { name: "Top country" }).getByTestId("topn-bars");
      await bars.waitFor();
      const countries = await bars.getAttribute("data-bars");
      if (countries !== String(COUNTRIES.length)) throw new Error(`top countries: ${countries}`);
      await page.waitForTimeout(300);
      await shot("05-dashboard", page, { fullPage: true });
    });

    await check("a filter chip applies to every panel", async () => {
      const bars = page.getByRole("region", { name: "Top country" }).getByTestId("topn-bars");
      await bars.getByRole("button", { name: /^FR:/ }).click();
      await page.getByTestId("filter-chip").filter({ hasText: "country = FR" }).waitFor();
      await page.waitForFunction(
        () => document.querySelector('section[aria-label="Top country"] [data-testid="topn-bars"]')?.getAttribute("data-bars") === "1",
        null,
        { timeout: 30_000 },
      );
      const points = await page.getByTestId("timeseries-chart").getAttribute("data-points");
      if (points !== String(DAYS)) throw new Error(`filtered chart has ${points} points`);
    });

    await check("the pages fit a narrow screen (390 px)", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      // Styles follow CSS media queries: wait until the page itself sees the narrow screen.
      await page.waitForFunction(() => window.innerWidth === 390 && matchMedia("(max-width: 599.95px)").matches);
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await shot("06-dashboard-narrow", page, { fullPage: true });
      if (overflow > 1) {
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}.${String(e.getAttribute("class") ?? "").split(" ")[0]}`),
        );
        throw new Error(`the dashboard is ${overflow}px wider than the screen: ${wide.join(", ")}`);
      }
      await page.getByRole("link", { name: "Tasks" }).click();
      await page.getByTestId("task-list").waitFor();
      await shot("07-tasks-narrow");
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.waitForTimeout(200);
      await shot("08-tasks");
    });

    await check("a large file goes straight to S3 in parts and lands", async () => {
      // Every file counts as large here (the app's test override), so this small one takes
      // the resumable path: presigned PUTs to S3, then completeUpload.
      await page.getByRole("link", { name: "Upload", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Upload" }).waitFor();
      await page.evaluate(() => window.localStorage.setItem("sluice.resumableFromBytes", "1"));
      const partsName = `${partsDatasource}.csv`;
      await dropCsv(partsName, partsDatasource);
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForFunction(
        (name) => {
          const row = [...document.querySelectorAll('[data-testid="upload-row"]')].find((r) => r.textContent.includes(name));
          const s = row?.querySelector('[data-testid="task-status"]')?.getAttribute("data-status");
          return s === "SUCCEEDED" || s === "FAILED" || s === "CANCELLED";
        },
        partsName,
        { timeout: INGEST_TIMEOUT_MS, polling: 500 },
      );
      const final = await page.locator('[data-testid="upload-row"]', { hasText: partsName }).locator('[data-testid="task-status"]').getAttribute("data-status");
      await page.evaluate(() => window.localStorage.removeItem("sluice.resumableFromBytes"));
      if (final !== "SUCCEEDED") throw new Error(`the task ended ${final}`);
      const puts = s3Requests.filter((request) => request.startsWith("PUT ")).length;
      if (puts < 1) throw new Error(`no part was PUT to S3 at ${S3_ORIGIN}: ${JSON.stringify(s3Requests)}`);
      console.log(`        ${puts} part(s) sent straight to S3`);
    });

    await check("no console errors", async () => {
      if (consoleErrors.length) throw new Error(consoleErrors.join("\n"));
    });
  } catch {
    await shot("failure", page, { fullPage: true }).catch(() => {});
  } finally {
    await context.close();
    rmSync(profileDir, { recursive: true, force: true });
    // Leave no test dataset behind in the local Druid (segments are marked unused).
    for (const name of [datasource, partsDatasource])
      await fetch(`${COORDINATOR}/druid/coordinator/v1/datasources/${name}`, {
        method: "DELETE",
        signal: AbortSignal.timeout(10_000),
      }).catch((error) => console.log(`could not drop ${name}: ${error.message}`));
  }

  if (process.env.SLUICE_E2E_DOCS === "1" && results.every((r) => r.ok)) {
    mkdirSync(DOCS, { recursive: true });
    for (const name of ["02-upload-progress", "03-upload-succeeded", "04-task", "05-dashboard", "06-dashboard-narrow"])
      copyFileSync(join(ARTIFACTS, `${name}.png`), join(DOCS, `${name}.png`));
    console.log("copied the key screenshots to docs/screenshots/");
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`screenshots: tests/e2e/artifacts/`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
