// civiforge in a real browser (Debian's Chromium, driven by playwright-core): the journeys
// users try first, accessibility checked by axe-core on every page type, keyboard-only
// navigation, and screenshots at desktop and mobile widths for a person to look at.
// Every page runs under its own content security policy (no bypassCSP): axe-core is
// evaluated through the DevTools protocol, which the policy does not govern, so that the
// page's own scripts are tested exactly as users get them.
// Run by run.sh, which builds civiforge, seeds a catalogue and serves it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.CIVIFORGE_BASE_URL;
const EMAIL = process.env.CIVIFORGE_TEST_EMAIL;
const PASSWORD = process.env.CIVIFORGE_TEST_PASSWORD;
const MODERATOR = process.env.CIVIFORGE_TEST_MODERATOR_EMAIL;
const MAIL_DIR = process.env.CIVIFORGE_TEST_MAIL_DIR;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'tests-output/screenshots';

const DESKTOP = { width: 1280, height: 900 };
const MOBILE = { width: 390, height: 844 };
const WIDTHS = [['bureau', DESKTOP], ['mobile', MOBILE]];

const PAGES = {
  accueil: '/',
  recherche: '/recherche?q=cimetiere',
  'recherche-vide': '/recherche?q=xylophone',
  projet: '/projets/opencimetiere',
  organisation: '/organisations/commune-13047',
  structure: '/organisations/org-imio',
  groupes: '/groupes',
  groupe: '/groupes/cimetieres-13',
  prestataires: '/prestataires?projet=opencimetiere&departement=33',
  'tableau-de-bord': '/tableaux-de-bord',
  'tableau-de-bord-structure': '/tableaux-de-bord/organisations/org-imio',
  'rapport-annuel': `/tableaux-de-bord/organisations/org-imio/${new Date().getUTCFullYear()}`,
  categorie: '/categories/cimetieres',
  connexion: '/connexion',
  inscription: '/inscription',
  'mot-de-passe-oublie': '/mot-de-passe-oublie',
  'confirmer-adresse': '/confirmer-adresse?jeton=exemple',
  introuvable: '/nulle-part',
  'projet-introuvable': '/projets/inconnu',
  'verifier-publiccode': '/publiccode/valider',
};

// Pages of a signed-in moderator, on top of PAGES.
const SIGNED_IN_PAGES = {
  jetons: '/compte/jetons',
  'mot-de-passe': '/compte/mot-de-passe',
  'nouveau-projet': '/projets/nouveau',
  'nouveau-projet-heberge': '/projets/nouveau?depot=civiforge',
  'nouvelle-adoption': '/adoptions/nouvelle?projet=opencimetiere',
  'nouvelle-adoption-recherche': '/adoptions/nouvelle?projet=opencimetiere&recherche=istres',
  compte: '/compte',
  'changer-adresse': '/compte/adresse',
  moderation: '/moderation',
  journal: '/moderation/journal',
};

const AXE_OPTIONS = { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] };

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

// A page under civiforge's own policy; what the policy refuses is collected in
// page.cspViolations (Chromium reports each refusal on the console).
async function newPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) page.cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

// The serious and critical violations axe-core finds on the page as it is. axe's source is
// evaluated with the DevTools protocol's Runtime.evaluate in an isolated world of the page's
// main frame: it sees the document, the policy does not apply to it (as it would to a <script>
// that page.addScriptTag adds), and the page's own scripts neither see nor disturb it.
async function axeViolations(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const { executionContextId } = await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'axe-core' });
    const evaluate = async (expression) => {
      const answer = await cdp.send('Runtime.evaluate', { expression, contextId: executionContextId, awaitPromise: true, returnByValue: true });
      if (answer.exceptionDetails) throw new Error(`axe-core: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
      return answer.result.value;
    };
    await evaluate(AXE);
    return await evaluate(`axe.run(document, ${JSON.stringify(AXE_OPTIONS)}).then((result) => result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => \`\${v.id} (\${v.impact}) \${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}\`))`);
  } finally {
    await cdp.detach();
  }
}

// What every page must hold at every width: the stylesheet applies (it is served under the
// policy), and nothing scrolls sideways.
async function layoutProblems(page, label) {
  const problems = [];
  const border = await page.evaluate(() => {
    const header = document.querySelector('.site-header');
    return header ? getComputedStyle(header).borderBottomStyle : 'no .site-header';
  });
  if (border !== 'solid') problems.push(`${label}: the stylesheet does not apply (${border})`);
  const overflow = await page.evaluate(() => {
    const width = window.innerWidth;
    const excess = document.documentElement.scrollWidth - width;
    // The outermost elements that stick out, to say what to fix.
    const culprits = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !(el.parentElement?.getBoundingClientRect().right > width + 1))
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).trim().replace(/\s+/g, '.')}` : ''}`);
    return { excess, culprits };
  });
  if (overflow.excess > 1) problems.push(`${label}: horizontal scrolling (${overflow.excess}px: ${overflow.culprits.join(', ')})`);
  return problems;
}

async function signIn(page, email = EMAIL) {
  await page.goto(`${BASE}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${BASE}/`);
}

/** The link starting with `prefix` in the newest message to `address`, waiting for it. */
async function linkFromMail(address, prefix, after = 0) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const files = existsSync(MAIL_DIR) ? readdirSync(MAIL_DIR).sort() : [];
    for (const file of files.slice(after).reverse()) {
      // Quoted-printable: soft line breaks joined, =XX bytes decoded.
      const raw = readFileSync(join(MAIL_DIR, file), 'utf8').replace(/=\r\n/g, '');
      const text = Buffer.from(raw.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
      if (!text.includes(`To: ${address}`)) continue;
      const start = text.indexOf(prefix);
      if (start !== -1) return text.slice(start).split(/[\s"<]/)[0];
    }
    assert.ok(Date.now() < deadline, `no message to ${address} with ${prefix}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function mailCount() {
  return existsSync(MAIL_DIR) ? readdirSync(MAIL_DIR).length : 0;
}

test('a new agent proves her address by the link she receives, then resets a forgotten password', async () => {
  const page = await newPage();
  const address = 'nouvelle.agente@mairie-miramas.fr';
  await page.goto(`${BASE}/inscription`);
  await page.getByLabel('Nom').fill('Nouvelle Agente');
  await page.getByLabel('Adresse e-mail').fill(address);
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.goto(`${BASE}/compte`);
  assert.match(await page.locator('main').innerText(), /Adresse non confirmée/);

  await page.goto(await linkFromMail(address, `${BASE}/confirmer-adresse`));
  await page.getByRole('button', { name: 'Confirmer mon adresse' }).click();
  assert.match(await page.locator('p.success').innerText(), /est confirmée/);
  await page.goto(`${BASE}/compte`);
  assert.doesNotMatch(await page.locator('main').innerText(), /Adresse non confirmée/);
  await page.context().close();

  const visitor = await newPage();
  await visitor.goto(`${BASE}/connexion`);
  await visitor.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  const before = mailCount();
  await visitor.getByLabel('Adresse e-mail').fill(address);
  await visitor.getByRole('button', { name: 'Envoyer le lien' }).click();
  assert.match(await visitor.locator('p.success').innerText(), /Si un compte existe pour cette adresse/);
  await visitor.goto(await linkFromMail(address, `${BASE}/reinitialiser-mot-de-passe`, before));
  await visitor.getByLabel('Nouveau mot de passe').fill('un tout nouveau mot de passe');
  await visitor.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  assert.match(await visitor.locator('p.success').innerText(), /mot de passe est changé/);
  await visitor.goto(`${BASE}/connexion`);
  await visitor.getByLabel('Adresse e-mail').fill(address);
  await visitor.getByLabel('Mot de passe').fill('un tout nouveau mot de passe');
  await visitor.getByRole('button', { name: 'Se connecter' }).click();
  await visitor.waitForURL(`${BASE}/`);
  await visitor.context().close();
});

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

test('without JavaScript, the group lead adds an action and marks it done, shares a document; the structure shows what its members run', async () => {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'fr-FR', javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, MODERATOR);
  await page.goto(`${BASE}/groupes/cimetieres-13`);
  assert.match(await page.locator('table.members').innerText(), /Istres\s+Commune\s+pilote/);
  await page.getByRole('textbox', { name: 'Action', exact: true }).fill('Formation des agents au nouveau module');
  await page.getByLabel('Échéance').fill('2027-09-15');
  await page.getByRole('button', { name: "Ajouter l'action" }).click();
  await page.waitForURL(/\/groupes\/cimetieres-13#actions/);
  const row = page.locator('table.group-actions tr', { hasText: 'Formation des agents' });
  assert.match(await row.innerText(), /15 septembre 2027/);
  await row.getByLabel(/État de l'action/).selectOption('done');
  await row.getByRole('button', { name: 'Changer' }).click();
  await page.waitForURL(/#actions/);
  const changed = page.locator('table.group-actions tr', { hasText: 'Formation des agents' });
  assert.equal(await changed.getByLabel(/État de l'action/).inputValue(), 'done');
  // A document shared from the page's form, then downloaded as an attachment.
  await page.getByRole('textbox', { name: 'Titre', exact: true }).fill('Cahier des charges de la version 4.2');
  await page.getByLabel('Type de document').selectOption('specification');
  await page.getByLabel('Fichier').setInputFiles({
    name: 'cahier-des-charges.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'),
  });
  await page.getByRole('button', { name: 'Partager le document' }).click();
  await page.waitForURL(/\/groupes\/cimetieres-13#documents/);
  const documentRow = page.locator('table.documents tr', { hasText: 'Cahier des charges de la version 4.2' });
  assert.match(await documentRow.innerText(), /Cahier des charges\s.*PDF/s);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    documentRow.getByRole('link', { name: 'Cahier des charges de la version 4.2' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'cahier-des-charges.pdf');
  await page.goto(`${BASE}/organisations/org-imio`);
  assert.match(await page.locator('table.member-usage').innerText(), /openCimetière\s+4\.1\.0\s+.*CPAS de La Louvière.*\s+2/);
  await context.close();
});

test('with JavaScript, the organisation field suggests communes as you type (keyboard only)', async () => {
  const page = await newPage();
  await signIn(page);
  const response = await page.goto(`${BASE}/adoptions/nouvelle?projet=opencimetiere`);
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the page has its policy');
  // The script runs under that policy: the field becomes a combobox with a list of suggestions.
  const field = page.getByRole('combobox', { name: 'Chercher votre collectivité' });
  await field.fill('berre l');
  await page.getByRole('option', { name: /Berre-l'Étang/ }).waitFor();
  assert.ok(await page.getByRole('listbox').isVisible(), 'the suggestion list is shown');
  assert.equal(await field.getAttribute('aria-expanded'), 'true');
  await field.press('ArrowDown');
  assert.match(await field.getAttribute('aria-activedescendant'), /suggestions-\d+-0/);
  await field.press('Enter');
  await page.waitForURL(/organisation=commune-13014/);
  assert.ok(await page.locator('#organisation-commune-13014').isChecked(), 'the chosen commune is selected');
  assert.deepEqual(page.cspViolations, []);
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

test('every page type has no serious or critical accessibility violation (axe-core), at both widths', async () => {
  // The harness finds what it should, under the page's policy: an image without text.
  const probe = await newPage();
  await probe.goto(`${BASE}/`);
  await probe.evaluate(() => { const img = document.createElement('img'); img.src = '/nulle-part.png'; document.querySelector('main').append(img); });
  const found = await axeViolations(probe);
  assert.ok(found.some((v) => v.startsWith('image-alt (critical)')), `axe-core does not run: ${found}`);
  await probe.context().close();

  const problems = [];
  for (const [label, viewport] of WIDTHS) {
    // A visitor, then a moderator, who sees every part of every page (moderation forms
    // included) and the pages of an account.
    const visitor = await newPage(viewport);
    const moderator = await newPage(viewport);
    await signIn(moderator, MODERATOR);
    const rounds = [
      ['visiteur', visitor, { ...PAGES, 'moderation-sans-compte': '/moderation' }],
      ['moderateur', moderator, { ...PAGES, ...SIGNED_IN_PAGES }],
    ];
    for (const [who, page, pages] of rounds) {
      for (const [name, path] of Object.entries(pages)) {
        await page.goto(`${BASE}${path}`);
        const where = `${name} (${who}, ${label})`;
        for (const violation of await axeViolations(page)) problems.push(`${where}: ${violation}`);
        problems.push(...await layoutProblems(page, where));
      }
      problems.push(...page.cspViolations);
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
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

test('screenshots of each page type, desktop and mobile; every page has its stylesheet and no horizontal scrolling', async () => {
  const problems = [];
  for (const [label, viewport] of WIDTHS) {
    const visitor = await newPage(viewport);
    const moderator = await newPage(viewport);
    await signIn(moderator, MODERATOR);
    for (const [page, pages] of [[visitor, PAGES], [moderator, SIGNED_IN_PAGES]]) {
      for (const [name, path] of Object.entries(pages)) {
        await page.goto(`${BASE}${path}`);
        await page.screenshot({ path: `${SHOTS}/${name}-${label}.png`, fullPage: true });
        problems.push(...await layoutProblems(page, `${name} (${label})`));
      }
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
});

test('every page works under its own content security policy', async () => {
  const page = await newPage();
  // The policy is really in force: an inline script is refused, and the refusal is seen.
  await page.goto(`${BASE}/`);
  const inlineRan = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true;';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return window.inlineScriptRan === true;
  });
  assert.equal(inlineRan, false, 'an inline script runs: the policy is not applied');
  await page.waitForTimeout(100);
  assert.ok(page.cspViolations.length > 0, 'the refused inline script is reported');
  page.cspViolations.length = 0;

  const problems = [];
  for (const [name, path] of Object.entries(PAGES)) {
    const response = await page.goto(`${BASE}${path}`);
    if (!/script-src 'self'/.test(response.headers()['content-security-policy'] ?? '')) problems.push(`${name}: no content security policy`);
    problems.push(...await layoutProblems(page, name));
  }
  assert.deepEqual([...problems, ...page.cspViolations], []);
  await page.context().close();
});
