// civiforge in a real browser (Debian's Chromium, driven by playwright-core): the journeys
// users try first, accessibility checked by axe-core on every page type, keyboard-only
// navigation, and screenshots at desktop and mobile widths for a person to look at.
// Run by run.sh, which builds civiforge, seeds a catalogue and serves it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.CIVIFORGE_BASE_URL;
const EMAIL = process.env.CIVIFORGE_TEST_EMAIL;
const PASSWORD = process.env.CIVIFORGE_TEST_PASSWORD;
const MODERATOR = process.env.CIVIFORGE_TEST_MODERATOR_EMAIL;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'tests-output/screenshots';

const PAGES = {
  accueil: '/',
  recherche: '/recherche?q=cimetiere',
  'recherche-vide': '/recherche?q=xylophone',
  projet: '/projets/opencimetiere',
  organisation: '/organisations/commune-13047',
  categorie: '/categories/cimetieres',
  connexion: '/connexion',
  inscription: '/inscription',
  introuvable: '/nulle-part',
};

let browser;

before(async () => {
  assert.ok(BASE, 'CIVIFORGE_BASE_URL is set by run.sh');
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => { await browser?.close(); });

async function newPage(viewport = { width: 1280, height: 900 }) {
  // axe-core is injected as an inline script, which civiforge's own policy forbids.
  const context = await browser.newContext({ viewport, locale: 'fr-FR', bypassCSP: true });
  return context.newPage();
}

async function signIn(page, email = EMAIL) {
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${BASE}/`);
}

test('Claire finds cemetery software from the home page, filters, opens it', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  await page.getByLabel('Rechercher un logiciel, un domaine ou une commune').fill('cimetiere');
  await page.getByRole('button', { name: 'Rechercher' }).first().click();
  await page.waitForURL(/\/recherche\?q=cimetiere/);
  assert.match(await page.locator('.results-count').innerText(), /1 résultat/);
  await page.getByRole('link', { name: 'Cimetières' }).first().click();
  await page.waitForURL(/category=cimetieres/);
  assert.match(await page.locator('.facets').innerText(), /Domaine : Cimetières/);
  await page.getByRole('link', { name: 'openCimetière' }).click();
  await page.waitForURL(`${BASE}/projets/opencimetiere`);
  assert.equal(await page.locator('h1').innerText(), 'openCimetière');
  assert.match(await page.locator('table').first().innerText(), /Istres/);
  assert.equal(await page.locator('figure.map svg path').count(), 96, 'the map of France is drawn');
  await page.context().close();
});

test('an agent declares an adoption through the form and sees it on both pages', async () => {
  const page = await newPage();
  await signIn(page);
  await page.goto(`${BASE}/projets/opencimetiere`);
  await page.getByRole('link', { name: "Déclarer que ma collectivité l'utilise" }).click();
  await page.getByLabel('Chercher votre collectivité').fill('fos sur mer');
  await page.getByRole('button', { name: 'Chercher', exact: true }).click();
  await page.getByLabel(/Fos-sur-Mer/).check();
  await page.getByLabel('Version utilisée').fill('4.1.0');
  await page.getByLabel('En service depuis').fill('2020-01-15');
  await page.getByRole('button', { name: "Déclarer l'usage" }).click();
  await page.waitForURL(/\/projets\/opencimetiere/);
  assert.match(await page.locator('table').first().innerText(), /Fos-sur-Mer/);
  await page.goto(`${BASE}/organisations/commune-13039`);
  assert.match(await page.locator('main').innerText(), /openCimetière/);
  await page.context().close();
});

test('with JavaScript, the organisation field suggests communes as you type (keyboard only)', async () => {
  const page = await newPage();
  await signIn(page);
  await page.goto(`${BASE}/adoptions/nouvelle?projet=opencimetiere`);
  const field = page.getByRole('combobox', { name: 'Chercher votre collectivité' });
  await field.fill('berre l');
  await page.getByRole('option', { name: /Berre-l'Étang/ }).waitFor();
  assert.equal(await field.getAttribute('aria-expanded'), 'true');
  await field.press('ArrowDown');
  assert.match(await field.getAttribute('aria-activedescendant'), /suggestions-\d+-0/);
  await field.press('Enter');
  await page.waitForURL(/organisation=commune-13014/);
  assert.ok(await page.locator('#organisation-commune-13014').isChecked(), 'the chosen commune is selected');
  await page.context().close();
});

test('an agent asks to act for Fos-sur-Mer; a moderator verifies the request', async () => {
  const agent = await newPage();
  await signIn(agent);
  await agent.goto(`${BASE}/organisations/commune-13039`);
  await agent.getByRole('button', { name: 'Je travaille pour cette organisation' }).click();
  await agent.waitForURL(/commune-13039#agir/);
  assert.match(await agent.locator('#agir').locator('..').innerText(), /en attente de vérification/);

  const moderator = await newPage();
  await signIn(moderator, MODERATOR);
  await moderator.getByRole('link', { name: 'Modération' }).first().click();
  await moderator.getByRole('button', { name: `Vérifier la demande de ${EMAIL} pour Fos-sur-Mer` }).click();
  await moderator.waitForURL(/fait=verifiee/);
  assert.match(await moderator.locator('.success').innerText(), /vérifiée pour un an/);

  await agent.reload();
  assert.match(await agent.locator('#agir').locator('..').innerText(), /vérifiée jusqu'au/);
  await agent.goto(`${BASE}/compte`);
  assert.match(await agent.locator('main').innerText(), /Fos-sur-Mer\s+vérifiée jusqu'au/);
  await agent.context().close();
  await moderator.context().close();
});

test('every page type has no serious or critical accessibility violation (axe-core)', async () => {
  const page = await newPage();
  // A moderator sees every part of every page (moderation forms included).
  await signIn(page, MODERATOR);
  const pages = { ...PAGES, jetons: '/compte/jetons', 'mot-de-passe': '/compte/mot-de-passe', 'nouveau-projet': '/projets/nouveau', 'nouvelle-adoption': '/adoptions/nouvelle?projet=opencimetiere&recherche=istres', compte: '/compte', moderation: '/moderation', journal: '/moderation/journal' };
  const problems = [];
  for (const [name, path] of Object.entries(pages)) {
    await page.goto(`${BASE}${path}`);
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate(async () => await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
    for (const violation of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
      problems.push(`${name}: ${violation.id} (${violation.impact}) ${violation.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    }
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the keyboard alone reaches the skip link, the search box and every category', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  const reached = [];
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => {
      const el = document.activeElement;
      return `${el.tagName.toLowerCase()}|${el.getAttribute('href') ?? el.getAttribute('id') ?? ''}|${(el.innerText ?? '').trim().slice(0, 30)}`;
    }));
  }
  assert.match(reached[0], /^a\|#contenu\|Aller au contenu/, 'the first stop is the skip link');
  assert.ok(reached.some((r) => r.startsWith('input|recherche-accueil')), 'the search box is reachable');
  assert.ok(reached.some((r) => r.includes('/categories/cimetieres')), 'categories are reachable');
  // Enter on the skip link moves focus to the content.
  await page.goto(`${BASE}/`);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'contenu');
  await page.context().close();
});

test('screenshots of each page type, desktop and mobile', async () => {
  for (const [label, viewport] of [['bureau', { width: 1280, height: 900 }], ['mobile', { width: 390, height: 844 }]]) {
    const page = await newPage(viewport);
    for (const [name, path] of Object.entries(PAGES)) {
      await page.goto(`${BASE}${path}`);
      await page.screenshot({ path: `${SHOTS}/${name}-${label}.png`, fullPage: true });
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${label}: no horizontal scrolling (${overflow}px)`);
    await page.context().close();
  }
});

test('every page works under its own content security policy', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
  const page = await context.newPage();
  const violations = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(`${page.url()}: ${message.text()}`);
  });
  for (const path of Object.values(PAGES)) {
    await page.goto(`${BASE}${path}`);
  }
  const stylesheet = await page.evaluate(() => getComputedStyle(document.querySelector('.site-header')).borderBottomStyle);
  assert.equal(stylesheet, 'solid', 'the stylesheet applies');
  assert.deepEqual(violations, []);
  await context.close();
});
