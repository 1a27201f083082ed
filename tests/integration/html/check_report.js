// Loads an HTML report of `lockgraph report --format html` in headless Chromium (Debian's,
// driven by playwright-core) and checks what a user would see:
//  - the page loads with no console error, no uncaught exception and no request for
//    anything but the file itself (the report is self-contained);
//  - every finding the summary counts is shown, each with a non-empty SVG picture;
//  - the kind filter hides the findings of an unchecked kind and shows them again;
// then saves a screenshot.
//
//   node check_report.js PLAYWRIGHT_CORE_DIR CHROMIUM REPORT.html SCREENSHOT.png
// Exit status: 0 all checks passed, 1 a check failed (each failure on stderr).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');

const [pwDir, chromiumPath, reportPath, shotPath] = process.argv.slice(2);
if (!shotPath) {
  console.error('usage: check_report.js PLAYWRIGHT_CORE_DIR CHROMIUM REPORT.html SCREENSHOT.png');
  process.exit(2);
}
const { chromium } = require(path.resolve(pwDir));

const failures = [];
function check(ok, what) {
  if (ok) {
    console.log('ok   ' + what);
  } else {
    console.error('FAIL ' + what);
    failures.push(what);
  }
}

async function main() {
  const reportUrl = pathToFileURL(path.resolve(reportPath)).href;
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-html-chromium-'));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 860 },
    deviceScaleFactor: 1,
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const errors = [], requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    page.on('pageerror', (e) => errors.push('exception: ' + e.message));
    page.on('request', (r) => { if (r.url() !== reportUrl) requests.push(r.url()); });

    await page.goto(reportUrl, { waitUntil: 'load' });
    await page.waitForTimeout(300); // late console messages

    check(errors.length === 0, 'no console error (' + errors.join('; ') + ')');
    check(requests.length === 0, 'no request beyond the file itself (' + requests.join(', ') + ')');
    check((await page.title()).startsWith('lockgraph report'), 'title names the report');

    const expected = Number(await page.textContent('#count-findings'));
    const findings = page.locator('article.finding');
    const n = await findings.count();
    check(expected > 0, 'the summary counts findings (' + expected + ')');
    check(n === expected, 'one section per finding (' + n + ' of ' + expected + ')');
    const kinds = new Set();
    for (let i = 0; i < n; i++) {
      const f = findings.nth(i);
      const kind = await f.getAttribute('data-kind');
      kinds.add(kind);
      check(await f.isVisible(), 'finding ' + (i + 1) + ' (' + kind + ') is visible');
      const svg = f.locator('.picture svg');
      check((await svg.count()) === 1, 'finding ' + (i + 1) + ' has its picture');
      if ((await svg.count()) === 1) {
        const box = await svg.boundingBox();
        check(box && box.width > 20 && box.height > 10,
              'finding ' + (i + 1) + ' picture has a size (' + JSON.stringify(box) + ')');
        const nodes = await svg.locator('g.node').count();
        const edges = await svg.locator('g.edge').count();
        const text = (await svg.textContent()) || '';
        check(nodes >= 2 && edges >= 1 && text.includes('L0'),
              'finding ' + (i + 1) + ' picture draws locks and edges (' + nodes + ' nodes, ' +
              edges + ' edges)');
      }
      check((await f.locator('ol.stack li').count()) > 0, 'finding ' + (i + 1) + ' shows stacks');
    }
    check((await page.locator('pre.src .l.hit').count()) > 0,
          'source lines around an acquisition are shown, the line highlighted');
    check(await page.locator('#contention table').isVisible(), 'the contention table is shown');

    // The kind filter: uncheck one kind, its findings disappear, the others stay.
    const boxes = page.locator('#kind-filter input[type=checkbox]');
    check((await boxes.count()) === kinds.size, 'one filter box per kind shown (' + [...kinds] + ')');
    const kind = [...kinds][kinds.size - 1];
    const ofKind = page.locator('article.finding[data-kind="' + kind + '"]');
    const others = page.locator('article.finding:not([data-kind="' + kind + '"])');
    const box = page.locator('#kind-filter input[value="' + kind + '"]');
    await box.uncheck();
    let hidden = true;
    for (let i = 0; i < await ofKind.count(); i++) hidden = hidden && !(await ofKind.nth(i).isVisible());
    let shown = true;
    for (let i = 0; i < await others.count(); i++) shown = shown && await others.nth(i).isVisible();
    check(hidden, 'unchecking "' + kind + '" hides its findings');
    check(shown, 'unchecking "' + kind + '" leaves the other kinds visible');
    check((await page.textContent('#shown-count')).startsWith((n - await ofKind.count()) + ' of ' + n),
          'the count of shown findings follows the filter');
    await box.check();
    let back = true;
    for (let i = 0; i < await ofKind.count(); i++) back = back && await ofKind.nth(i).isVisible();
    check(back, 'checking "' + kind + '" again shows its findings');
    check(errors.length === 0, 'still no console error after filtering (' + errors.join('; ') + ')');

    await page.screenshot({ path: shotPath, fullPage: false });
    check(fs.statSync(shotPath).size > 1000, 'screenshot saved to ' + shotPath);
  } finally {
    await context.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

main().then(
  () => {
    if (failures.length) {
      console.error(failures.length + ' check(s) failed');
      process.exit(1);
    }
    console.log('all checks passed');
  },
  (e) => {
    console.error('FAIL ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  });
