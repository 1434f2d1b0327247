// End-to-end browser test of the hub dashboard (issue 9): Debian's Chromium driven by
// playwright-core. run.sh starts a real `rasid serve` with the synthetic alerts of
// tests/testdata/report; the numbers expected below were worked out by hand from
// tests/testdata/report/README.md for September 2026:
//   coordinator: health 4, energy 2 (energy's third detection is TLP:RED: not for coordinators),
//                water 0; 6 detections, 5 high or critical; credential access 5
//   analyst of health: only health, 4 detections
// Usage: node dashboard_test.mjs BASE_URL COORDINATOR_TOKEN ANALYST_TOKEN SENSOR_TOKEN SCREENSHOT.png

import { chromium } from 'playwright-core';

const [base, coordinatorToken, analystToken, sensorToken, screenshot] = process.argv.slice(2);
const period = 'from=2026-09-01&to=2026-10-01';
let failures = 0;

function check(what, got, want) {
  if (got !== want) {
    console.error(`FAIL: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    failures++;
  } else {
    console.log(`ok: ${what} = ${JSON.stringify(got)}`);
  }
}

async function signIn(browser, token) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  return { context, page };
}

// The value a chart shows for a label, read from the drawn mark (not from the data).
async function barValue(page, panel, label) {
  const mark = page.locator(`#${panel} rect.bar.current[data-label="${label}"]`);
  if ((await mark.count()) !== 1) return null;
  const box = await mark.boundingBox();
  return { value: Number(await mark.getAttribute('data-value')), width: box ? box.width : 0 };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  // Coordinator: every authority.
  {
    const { context, page } = await signIn(browser, coordinatorToken);
    await page.goto(`${base}/?${period}`);
    check('coordinator: detections KPI', await page.getAttribute('#kpi-detections .value', 'data-value'), '6');
    check('coordinator: high or critical KPI', await page.getAttribute('#kpi-severe .value', 'data-value'), '5');
    const health = await barValue(page, 'panel-authorities', 'health');
    const energy = await barValue(page, 'panel-authorities', 'energy');
    const water = await barValue(page, 'panel-authorities', 'water');
    check('coordinator: health bar', health && health.value, 4);
    check('coordinator: energy bar', energy && energy.value, 2);
    check('coordinator: water bar', water && water.value, 0);
    // The charts render: bars are drawn in proportion (4 : 2), not just present in the markup.
    check('health bar drawn twice as long as energy', health && energy && Math.round(health.width / energy.width), 2);
    const credential = await barValue(page, 'panel-tactics', 'Credential Access');
    check('coordinator: credential access bar', credential && credential.value, 5);
    check('page marking', await page.textContent('#tlp'), 'TLP:AMBER');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    // Drill down: the health bar -> its detections -> the first detection's alerts.
    await Promise.all([page.waitForNavigation(), page.click('#panel-authorities a[href*="authority=health"]')]);
    check('drill-down: health detections', await page.getAttribute('#count', 'data-value'), '4');
    check('drill-down: rows', await page.locator('tr.detection').count(), 4);
    await Promise.all([page.waitForNavigation(), page.click('tr.detection a >> nth=0')]);
    check('detection: title', await page.textContent('#detection-title'), 'Credential dump');
    check('detection: alerts (2 Sep 10:00, 11:00, 12:00 on h1)', await page.getAttribute('#alert-count', 'data-value'), '3');
    await context.close();
  }
  // Analyst of health: own authority only; another authority's detection is not found.
  {
    const { context, page } = await signIn(browser, analystToken);
    await page.goto(`${base}/?${period}`);
    check('analyst: detections KPI', await page.getAttribute('#kpi-detections .value', 'data-value'), '4');
    check('analyst: energy bar absent', await barValue(page, 'panel-authorities', 'energy'), null);
    await page.goto(`${base}/detections?${period}&authority=energy`);
    check('analyst: energy detections', await page.getAttribute('#count', 'data-value'), '0');
    await context.close();
  }
  // A sensor token cannot open the dashboard; no cookie means the login page.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base}/?${period}`);
    check('no session: redirected to login', new URL(response.url()).pathname, '/login');
    await page.fill('#token', sensorToken);
    await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
    check('sensor: refused', (await page.textContent('#error')).includes('cannot open the dashboard'), true);
    await context.close();
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('dashboard browser test: ok');
