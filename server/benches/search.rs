//! Search benchmark (issue 4). Run it with:
//!
//! ```sh
//! CIVIFORGE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:26543/postgres \
//!     cargo bench -p civiforge --bench search
//! ```
//!
//! It generates, deterministically, a French catalogue of 100,000 projects (names, summaries,
//! categories, READMEs of a few hundred words) with about 1,000,000 adoptions spread over the
//! real communes, writes it into a fresh SQLite database with batched multi-row INSERTs, then
//! builds on the same texts:
//!
//! - civiforge's tantivy index, with `SearchService::rebuild()` (in a child process, so that
//!   `/usr/bin/time` gives its peak memory alone);
//! - an SQLite FTS5 table (`unicode61 remove_diacritics 2`), also in a child process;
//! - a PostgreSQL table with a `to_tsvector('french', …)` column and a GIN index, on the server
//!   `CIVIFORGE_TEST_POSTGRES_URL` names (a fresh database is created and dropped; without the
//!   variable the PostgreSQL column is skipped).
//!
//! Then it runs a fixed set of realistic queries on each engine (top 20, one client, then two
//! concurrent clients) and prints a markdown report on standard output: build times, sizes,
//! p50/p99 latencies, queries per second, CPU per query and peak memory, and the parts of a
//! civiforge query timed one by one. Progress goes to standard error.
//! Method and numbers are in docs/benchmarks.md.
//!
//! `CIVIFORGE_BENCH_PROJECTS=N` runs on a smaller corpus (N projects, 10 adoptions each on
//! average), for trying the bench itself; `CIVIFORGE_BENCH_KEEP=1` keeps the generated
//! databases and index (their folder is printed at the end) and the PostgreSQL database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use civiforge::categories::CATEGORIES;
use civiforge::search::SearchService;
use civiforge::search::engine::{Filters, SearchRequest};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, Postgres, QueryBuilder, Row, Sqlite};

/// Projects in the catalogue (overridden by `CIVIFORGE_BENCH_PROJECTS`).
const PROJECTS: usize = 100_000;
/// Adoptions per project on average.
const ADOPTIONS_PER_PROJECT: usize = 10;
/// The most adopted project is used by this many communes at most.
const MAX_ADOPTERS: usize = 30_000;
/// Every run generates the same catalogue.
const SEED: u64 = 0x0000_0C1F_0F6E_2026;
/// Results asked of every engine.
const LIMIT: usize = 20;
/// Untimed runs of each query before measuring.
const WARMUP: usize = 2;
/// Timed runs of each query: at most this many…
const MAX_RUNS: usize = 100;
/// …and no more once this time is spent, if at least `MIN_RUNS` are done.
const QUERY_BUDGET: Duration = Duration::from_secs(5);
const MIN_RUNS: usize = 5;
/// How long two concurrent clients run the query mix (whole rounds).
const CONCURRENT_BUDGET: Duration = Duration::from_secs(8);
/// Name of the PostgreSQL database created (and dropped) for the bench.
const PG_DATABASE: &str = "civiforge_bench_search";

// ---------------------------------------------------------------------------------------------
// A deterministic pseudo-random sequence.

/// A 64-bit linear congruential generator, enough to shape a corpus.
struct Lcg(u64);

impl Lcg {
    /// A generator for one stream (a project, a phase) of the run.
    fn new(stream: u64) -> Self {
        // SplitMix64 of the seed and stream, so that neighbouring streams do not correlate.
        let mut z = SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Lcg(z ^ (z >> 31))
    }

    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        x ^ (x >> 29)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary of municipal software.

/// One domain of municipal activity: how projects in it are named and what they handle.
struct Domain {
    slug: &'static str,
    /// How often it is a project's main category, relative to the others.
    weight: usize,
    /// Name roots: openElec, webDélib…
    roots: &'static [&'static str],
    /// What its software handles, with the partitive article: "des listes électorales".
    objects: &'static [&'static str],
}

const DOMAINS: &[Domain] = &[
    Domain {
        slug: "elections",
        weight: 8,
        roots: &["Elec", "Vote", "Scrutin", "Électeur", "Résultat"],
        objects: &[
            "des listes électorales",
            "de la liste électorale",
            "des élections municipales",
            "des élections législatives",
            "des bureaux de vote",
            "des procurations",
            "des cartes électorales",
            "des résultats électoraux",
            "du répertoire électoral unique",
            "des commissions de contrôle",
            "des inscriptions sur les listes électorales",
            "des scrutins",
        ],
    },
    Domain {
        slug: "etat-civil",
        weight: 8,
        roots: &["ÉtatCivil", "Naissance", "Registre", "Civil"],
        objects: &[
            "des actes de naissance",
            "des actes de mariage",
            "des actes de décès",
            "des registres de l'état civil",
            "des mentions marginales",
            "des livrets de famille",
            "des demandes d'actes d'état civil",
            "des reconnaissances",
            "des PACS",
            "de l'état civil",
        ],
    },
    Domain {
        slug: "urbanisme",
        weight: 7,
        roots: &["ADS", "Urba", "Permis", "PLU"],
        objects: &[
            "des permis de construire",
            "des déclarations préalables",
            "des certificats d'urbanisme",
            "du plan local d'urbanisme",
            "des autorisations du droit des sols",
            "des demandes d'urbanisme",
            "des déclarations d'intention d'aliéner",
            "de l'urbanisme",
        ],
    },
    Domain {
        slug: "deliberations",
        weight: 8,
        roots: &["Délib", "Acte", "Conseil", "Séance"],
        objects: &[
            "des délibérations",
            "des délibérations du conseil municipal",
            "des séances du conseil municipal",
            "des ordres du jour",
            "des procès-verbaux",
            "des actes administratifs",
            "du contrôle de légalité",
            "des arrêtés du maire",
            "des décisions",
            "du recueil des actes administratifs",
        ],
    },
    Domain {
        slug: "courrier",
        weight: 6,
        roots: &["Courrier", "Parapheur", "GED", "Mail"],
        objects: &[
            "du courrier entrant",
            "du courrier sortant",
            "des parapheurs électroniques",
            "des archives",
            "de la gestion électronique des documents",
            "des courriers des administrés",
            "des signatures électroniques",
            "des pièces jointes",
        ],
    },
    Domain {
        slug: "finances",
        weight: 7,
        roots: &["Compta", "Budget", "Finance", "Mandat"],
        objects: &[
            "du budget primitif",
            "des mandats et des titres",
            "de la comptabilité",
            "de la dette",
            "des immobilisations",
            "des finances communales",
            "de la préparation budgétaire",
            "des factures",
            "des subventions",
        ],
    },
    Domain {
        slug: "ressources-humaines",
        weight: 6,
        roots: &["RH", "Paie", "Agent", "Carrière"],
        objects: &[
            "des carrières des agents",
            "de la paie",
            "des congés",
            "des entretiens professionnels",
            "des absences",
            "des formations",
            "des recrutements",
            "des plannings des agents",
        ],
    },
    Domain {
        slug: "cimetieres",
        weight: 5,
        roots: &["Cimetière", "Concession", "Funéraire"],
        objects: &[
            "des cimetières",
            "des concessions funéraires",
            "des emplacements",
            "des défunts",
            "des inhumations",
            "des reprises de concessions",
            "du columbarium",
            "des registres du cimetière",
            "des opérations funéraires",
        ],
    },
    Domain {
        slug: "police-municipale",
        weight: 4,
        roots: &["Police", "PV", "MainCourante"],
        objects: &[
            "de la police municipale",
            "des mains courantes",
            "des procès-verbaux électroniques",
            "des arrêtés de police",
            "des objets trouvés",
            "de la fourrière",
            "de la vidéoprotection",
            "des interventions de la police municipale",
            "du stationnement",
        ],
    },
    Domain {
        slug: "enfance",
        weight: 5,
        roots: &["École", "Cantine", "Périsco", "Enfance"],
        objects: &[
            "des inscriptions scolaires",
            "de la restauration scolaire",
            "de l'accueil périscolaire",
            "des réservations de cantine",
            "des écoles",
            "de la petite enfance",
            "des centres de loisirs",
            "de la facturation des familles",
        ],
    },
    Domain {
        slug: "action-sociale",
        weight: 4,
        roots: &["CCAS", "Social", "Aide"],
        objects: &[
            "des aides sociales",
            "du centre communal d'action sociale",
            "des demandes de logement social",
            "des dossiers des bénéficiaires",
            "de l'aide à domicile",
            "des personnes âgées",
            "de l'analyse des besoins sociaux",
        ],
    },
    Domain {
        slug: "marches-publics",
        weight: 5,
        roots: &["Marchés", "Achat", "Consult"],
        objects: &[
            "des marchés publics",
            "des consultations",
            "des appels d'offres",
            "des dossiers de consultation des entreprises",
            "des avis de publicité",
            "des achats publics",
            "de l'exécution des marchés",
            "des candidatures",
        ],
    },
    Domain {
        slug: "sig",
        weight: 5,
        roots: &["SIG", "Carto", "Cadastre", "Adresse"],
        objects: &[
            "des données cartographiques",
            "du cadastre",
            "des réseaux d'eau",
            "des adresses",
            "des plans de la commune",
            "de l'information géographique",
            "des couches cartographiques",
        ],
    },
    Domain {
        slug: "site-web",
        weight: 6,
        roots: &["Site", "Portail", "Démarche"],
        objects: &[
            "du site internet de la commune",
            "des démarches en ligne",
            "des formulaires en ligne",
            "des actualités",
            "des téléservices",
            "de l'agenda des événements",
            "des pages d'information",
        ],
    },
    Domain {
        slug: "services-techniques",
        weight: 4,
        roots: &["Tech", "Patrimoine", "Voirie", "Atelier"],
        objects: &[
            "des interventions techniques",
            "du patrimoine bâti",
            "de l'éclairage public",
            "de la voirie",
            "des salles municipales",
            "des espaces verts",
            "du parc de véhicules",
            "des bâtiments communaux",
        ],
    },
    Domain {
        slug: "culture",
        weight: 4,
        roots: &["Asso", "Sport", "Médiathèque", "Salle"],
        objects: &[
            "des associations",
            "des équipements sportifs",
            "de la médiathèque",
            "des réservations de salles",
            "des manifestations culturelles",
            "des subventions aux associations",
            "du prêt de matériel",
        ],
    },
    Domain {
        slug: "relation-usagers",
        weight: 4,
        roots: &["Usager", "Accueil", "RDV", "Signal"],
        objects: &[
            "des demandes des usagers",
            "des signalements",
            "des rendez-vous",
            "de l'accueil du public",
            "de la gestion de la relation citoyen",
            "des réclamations",
            "des enquêtes de satisfaction",
        ],
    },
    Domain {
        slug: "infrastructure",
        weight: 3,
        roots: &["Infra", "Backup", "Supervision"],
        objects: &[
            "des sauvegardes",
            "des serveurs",
            "de la supervision",
            "de l'annuaire LDAP",
            "du réseau informatique",
            "des postes de travail",
            "de l'hébergement",
        ],
    },
    Domain {
        slug: "bureautique",
        weight: 3,
        roots: &["Office", "Agenda", "Doc", "Visio"],
        objects: &[
            "des documents partagés",
            "des agendas partagés",
            "de la messagerie",
            "de la visioconférence",
            "du travail collaboratif",
            "de la suite bureautique",
        ],
    },
    Domain {
        slug: "autre",
        weight: 2,
        roots: &["Data", "Stat", "Indic"],
        objects: &[
            "des données publiques",
            "des indicateurs",
            "des statistiques",
            "des projets de la commune",
            "des enquêtes publiques",
        ],
    },
];

/// Name prefixes; those ending in a letter are glued to the root (openElec).
const PREFIXES: &[&str] = &[
    "open", "web", "i", "e-", "Libre ", "Civi", "Mairie ", "Gest", "", "Commun ", "Mon ", "As",
];
const SUFFIXES: &[&str] = &[" Pro", " NG", " 2", " Cloud", " Lite", " Plus"];
/// Syllables of invented words that make names distinct.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "vo", "zu", "bel", "dor", "fin", "gal", "mar", "nor", "pel",
    "sol", "tur", "vin", "ca", "ro", "li", "sa", "né", "ber", "mont", "val",
];
/// How summaries start.
const ACTIONS: &[&str] = &[
    "Gestion",
    "Suivi",
    "Saisie et publication",
    "Tenue",
    "Dématérialisation",
    "Pilotage",
    "Instruction",
    "Préparation",
    "Archivage",
    "Consultation",
];
/// README sentences about what the software handles: {N} name, {A} an object with its
/// definite article, {B} and {C} objects with their partitive article.
const DOMAIN_SENTENCES: &[&str] = &[
    "{N} permet aux agents de la mairie de gérer {A} sans ressaisie.",
    "Le suivi {B} est disponible depuis le tableau de bord.",
    "Les agents peuvent exporter {A} au format CSV ou PDF.",
    "La saisie {B} respecte la réglementation en vigueur.",
    "Un historique complet {B} est conservé.",
    "Les élus consultent {A} avant chaque séance du conseil municipal.",
    "La gestion {B} et {C} est intégrée.",
    "{N} simplifie le traitement {B} dans les petites communes comme dans les grandes villes.",
    "Les données {B} peuvent être publiées en open data.",
    "Un connecteur échange {A} avec les services de l'État.",
    "Les tableaux de bord présentent {A} par année et par service.",
    "La dématérialisation {B} réduit les délais de traitement.",
];
/// README sentences about any software.
const GENERIC_SENTENCES: &[&str] = &[
    "L'application est écrite en PHP et s'appuie sur une base PostgreSQL.",
    "L'installation se fait sur un serveur Debian avec Apache ou Nginx.",
    "Le code est publié sous licence libre et chacun peut proposer des améliorations.",
    "Une documentation utilisateur et une documentation d'administration sont disponibles.",
    "Les mises à jour sont publiées plusieurs fois par an.",
    "L'authentification peut s'appuyer sur un annuaire LDAP ou sur ProConnect.",
    "Les droits des utilisateurs sont définis par profil.",
    "Le logiciel est mutualisé entre plusieurs collectivités qui financent ensemble les évolutions.",
    "Les tests automatisés sont lancés à chaque modification.",
    "Une démonstration en ligne permet de découvrir l'interface.",
    "Les exports respectent le référentiel général d'interopérabilité.",
    "Le support est assuré par la communauté et par des prestataires.",
    "Les sauvegardes de la base de données sont quotidiennes.",
    "L'interface est accessible et respecte le RGAA.",
    "Le projet est soutenu par un opérateur public de services numériques.",
    "Une image Docker facilite les essais sur un poste de travail.",
];
const LICENSES: &[Option<&str>] = &[
    Some("AGPL-3.0-or-later"),
    Some("AGPL-3.0-or-later"),
    Some("GPL-3.0-or-later"),
    Some("MIT"),
    Some("Apache-2.0"),
    Some("EUPL-1.2"),
    Some("CECILL-2.1"),
    None,
];
/// A word found in a handful of READMEs only, for the rare-word query.
const RARE_SENTENCE: &str =
    "Un module optionnel gère les concessions de l'ostréiculture sur le domaine public maritime.";
/// One project in this many has the rare word.
const RARE_EVERY: usize = 9_973;

/// "des listes" → "les listes", "du budget" → "le budget", "de la dette" → "la dette".
fn with_definite_article(object: &str) -> String {
    if let Some(rest) = object.strip_prefix("des ") {
        format!("les {rest}")
    } else if let Some(rest) = object.strip_prefix("du ") {
        format!("le {rest}")
    } else if let Some(rest) = object.strip_prefix("de la ") {
        format!("la {rest}")
    } else if let Some(rest) = object.strip_prefix("de l'") {
        format!("l'{rest}")
    } else {
        object.to_string()
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A generated project.
struct GeneratedProject {
    id: i64,
    slug: String,
    name: String,
    summary: String,
    categories: Vec<&'static str>,
    license: Option<&'static str>,
    readme: String,
    publiccode: Option<String>,
    health: String,
}

/// Picks a domain index by weight.
fn pick_domain(rng: &mut Lcg, total_weight: usize) -> usize {
    let mut ticket = rng.below(total_weight);
    for (i, domain) in DOMAINS.iter().enumerate() {
        if ticket < domain.weight {
            return i;
        }
        ticket -= domain.weight;
    }
    DOMAINS.len() - 1
}

fn fill(template: &str, name: &str, domain: &Domain, rng: &mut Lcg) -> String {
    let a = with_definite_article(rng.pick(domain.objects));
    let b = rng.pick(domain.objects);
    let c = rng.pick(domain.objects);
    template
        .replace("{N}", name)
        .replace("{A}", &a)
        .replace("{B}", b)
        .replace("{C}", c)
}

/// The project with this id; the same for every run.
fn generate_project(id: usize, now: DateTime<Utc>) -> GeneratedProject {
    let mut rng = Lcg::new(id as u64);
    let total_weight: usize = DOMAINS.iter().map(|d| d.weight).sum();
    let main = pick_domain(&mut rng, total_weight);
    let domain = &DOMAINS[main];
    let mut name = format!("{}{}", rng.pick(PREFIXES), rng.pick(domain.roots));
    if rng.chance(0.6) {
        let syllables = 2 + rng.below(2);
        let word: String = (0..syllables).map(|_| rng.pick(SYLLABLES)).collect();
        name = format!("{name} {}", capitalise(&word));
    }
    if rng.chance(0.15) {
        name.push_str(rng.pick(SUFFIXES));
    }
    let slug = format!("{}-{id}", slugify(&name));
    let mut categories = vec![domain.slug];
    let second = if rng.chance(0.25) {
        let other = pick_domain(&mut rng, total_weight);
        (other != main).then_some(other)
    } else {
        None
    };
    if let Some(other) = second {
        categories.push(DOMAINS[other].slug);
    }
    let mut summary = format!(
        "{} {}, {} et {}.",
        rng.pick(ACTIONS),
        rng.pick(domain.objects),
        rng.pick(domain.objects),
        rng.pick(domain.objects)
    );
    if rng.chance(0.3) {
        summary.pop();
        summary.push_str(" pour les communes et leurs groupements.");
    }
    if rng.chance(0.05) {
        summary = deunicode::deunicode(&summary);
    }
    let license = rng.pick(LICENSES);

    // The README: a title, the summary, then sections until a few hundred words.
    let target_words = 150 + rng.below(300);
    let mut readme = format!("{name}\n\n{summary}\n\nFonctionnalités\n\n");
    let mut words = readme.split_whitespace().count();
    let mut section = 0;
    while words < target_words {
        let sentence = if rng.chance(0.6) {
            fill(rng.pick(DOMAIN_SENTENCES), &name, domain, &mut rng)
        } else if rng.chance(0.75) {
            rng.pick(GENERIC_SENTENCES).to_string()
        } else {
            // Another domain the software touches.
            let other = second.unwrap_or_else(|| pick_domain(&mut rng, total_weight));
            fill(rng.pick(DOMAIN_SENTENCES), &name, &DOMAINS[other], &mut rng)
        };
        words += sentence.split_whitespace().count();
        readme.push_str(&sentence);
        readme.push(if rng.chance(0.3) { '\n' } else { ' ' });
        if words > (section + 1) * target_words / 3 && section < 2 {
            section += 1;
            readme.push_str(["\n\nInstallation\n\n", "\n\nContribuer\n\n"][section - 1]);
        }
    }
    if id.is_multiple_of(RARE_EVERY) {
        readme.push_str(RARE_SENTENCE);
    }
    readme.push_str(&format!(
        "\n\nLicence\n\n{}\n",
        license.unwrap_or("Licence à préciser.")
    ));
    if rng.chance(0.08) {
        // Some READMEs are written without accents.
        readme = deunicode::deunicode(&readme);
    }
    let publiccode = rng.chance(0.25).then(|| {
        serde_json::json!({
            "developmentStatus": rng.pick(&["stable", "stable", "beta", "development"]),
            "description": {"fr": {
                "shortDescription": summary,
                "features": [with_definite_article(rng.pick(domain.objects)),
                             with_definite_article(rng.pick(domain.objects))],
            }},
        })
        .to_string()
    });
    let last_commit = now - chrono::Duration::days(rng.below(6 * 365) as i64);
    let health = serde_json::json!({ "last_commit_at": last_commit }).to_string();
    GeneratedProject {
        id: id as i64,
        slug,
        name,
        summary,
        categories,
        license,
        readme,
        publiccode,
        health,
    }
}

/// Adopters of each project, indexed by id − 1: a few projects very adopted, many with a
/// handful, a tenth with none (Zipf-like, exponent 0.9, capped).
fn adopter_counts(projects: usize, target: usize, cap: usize) -> Vec<usize> {
    let mut rng = Lcg::new(u64::MAX);
    // Popularity ranks shuffled over ids, so that adoption does not follow the id order.
    let mut ranks: Vec<usize> = (1..=projects).collect();
    for i in (1..ranks.len()).rev() {
        ranks.swap(i, rng.below(i + 1));
    }
    let unused: Vec<bool> = (0..projects).map(|_| rng.chance(0.1)).collect();
    let counts_for = |scale: f64| -> Vec<usize> {
        ranks
            .iter()
            .zip(&unused)
            .map(|(&rank, &unused)| {
                if unused {
                    0
                } else {
                    ((scale * (rank as f64).powf(-0.9)) as usize).min(cap)
                }
            })
            .collect()
    };
    let (mut low, mut high) = (0.0, target as f64);
    for _ in 0..60 {
        let middle = (low + high) / 2.0;
        if counts_for(middle).iter().sum::<usize>() < target {
            low = middle;
        } else {
            high = middle;
        }
    }
    counts_for(high)
}

// ---------------------------------------------------------------------------------------------
// The corpus in SQLite.

struct Corpus {
    projects: usize,
    adoptions: usize,
    communes: usize,
    max_adopters: usize,
    median_adopters: usize,
    unadopted: usize,
    text_bytes: usize,
    readme_words: usize,
    elapsed: Duration,
    reference_elapsed: Duration,
    database_bytes: u64,
}

const PROJECT_BATCH: usize = 1_000;
const ADOPTION_BATCH: usize = 2_000;

async fn insert_projects(
    connection: &mut SqliteConnection,
    batch: &[GeneratedProject],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = connection.begin().await?;
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO projects (id, slug, name, summary, repository_url, license, hidden, \
         index_state, last_indexed_at, readme_text, publiccode_json, health_json, created_at, \
         updated_at) ",
    );
    query.push_values(batch, |mut row, p| {
        row.push_bind(p.id)
            .push_bind(p.slug.clone())
            .push_bind(p.name.clone())
            .push_bind(p.summary.clone())
            .push_bind(format!("https://forge.example.org/communs/{}.git", p.slug))
            .push_bind(p.license)
            .push_bind(false)
            .push_bind("ok")
            .push_bind(now)
            .push_bind(p.readme.clone())
            .push_bind(p.publiccode.clone())
            .push_bind(p.health.clone())
            .push_bind(now)
            .push_bind(now);
    });
    query.build().execute(&mut *tx).await?;
    let pairs: Vec<(i64, &str)> = batch
        .iter()
        .flat_map(|p| p.categories.iter().map(move |c| (p.id, *c)))
        .collect();
    let mut query =
        QueryBuilder::<Sqlite>::new("INSERT INTO project_categories (project_id, category) ");
    query.push_values(pairs, |mut row, (id, category)| {
        row.push_bind(id).push_bind(category.to_string());
    });
    query.build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

struct AdoptionRow {
    project_id: i64,
    organisation_id: String,
    version: Option<String>,
    status: &'static str,
    since: Option<NaiveDate>,
    verification: &'static str,
}

async fn insert_adoptions(
    connection: &mut SqliteConnection,
    rows: &[AdoptionRow],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = connection.begin().await?;
    for chunk in rows.chunks(ADOPTION_BATCH) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO adoptions (project_id, organisation_id, version, status, since, \
             verification, declared_at, updated_at) ",
        );
        query.push_values(chunk, |mut row, a| {
            row.push_bind(a.project_id)
                .push_bind(a.organisation_id.clone())
                .push_bind(a.version.clone())
                .push_bind(a.status)
                .push_bind(a.since)
                .push_bind(a.verification)
                .push_bind(now)
                .push_bind(now);
        });
        query.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Creates the database, loads the reference data and writes the generated catalogue.
async fn build_corpus(url: &str, db_path: &Path, projects: usize) -> anyhow::Result<Corpus> {
    let started = Instant::now();
    let store = civiforge::store::connect(url).await?;
    store.migrate().await?;
    let reference_started = Instant::now();
    civiforge::cli::ensure_reference_data(&*store).await?;
    let reference_elapsed = reference_started.elapsed();
    drop(store);

    let options = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .foreign_keys(true);
    let mut connection = SqliteConnection::connect_with(&options).await?;
    let communes: Vec<String> =
        sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'commune' ORDER BY id")
            .fetch_all(&mut connection)
            .await?;
    anyhow::ensure!(!communes.is_empty(), "no communes in the reference data");
    let now = Utc::now();

    let mut text_bytes = 0;
    let mut readme_words = 0;
    let mut batch = Vec::with_capacity(PROJECT_BATCH);
    for id in 1..=projects {
        let project = generate_project(id, now);
        text_bytes += project.name.len() + project.summary.len() + project.readme.len();
        readme_words += project.readme.split_whitespace().count();
        batch.push(project);
        if batch.len() == PROJECT_BATCH || id == projects {
            insert_projects(&mut connection, &batch, now).await?;
            batch.clear();
        }
        if id % 20_000 == 0 {
            eprintln!("  {id} projects written");
        }
    }

    let counts = adopter_counts(
        projects,
        projects * ADOPTIONS_PER_PROJECT,
        MAX_ADOPTERS.min(communes.len()),
    );
    let mut rows = Vec::with_capacity(100_000);
    let epoch = NaiveDate::from_ymd_opt(2012, 1, 1).context("a valid date")?;
    for (index, &count) in counts.iter().enumerate() {
        let project_id = index as i64 + 1;
        let mut rng = Lcg::new(1_000_000_000 + project_id as u64);
        // Distinct communes: an arithmetic progression, modulo their number, of a step prime
        // with it.
        let start = rng.below(communes.len());
        let mut step = 1 + rng.below(communes.len() - 1);
        while gcd(step, communes.len()) != 1 {
            step += 1;
        }
        for i in 0..count {
            let commune = &communes[(start + i * step) % communes.len()];
            let roll = rng.below(100);
            rows.push(AdoptionRow {
                project_id,
                organisation_id: commune.clone(),
                version: rng
                    .chance(0.7)
                    .then(|| format!("{}.{}.{}", 1 + rng.below(5), rng.below(10), rng.below(8))),
                status: if roll < 88 {
                    "in_use"
                } else if roll < 96 {
                    "evaluating"
                } else {
                    "stopped"
                },
                since: rng
                    .chance(0.6)
                    .then(|| epoch + chrono::Duration::days(rng.below(5_000) as i64)),
                verification: rng.pick(&[
                    "unverified",
                    "unverified",
                    "unverified",
                    "agent",
                    "confirmed",
                ]),
            });
        }
        if rows.len() >= 100_000 || index + 1 == counts.len() {
            insert_adoptions(&mut connection, &rows, now).await?;
            rows.clear();
        }
    }
    let adoptions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM adoptions")
        .fetch_one(&mut connection)
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await?;
    connection.close().await?;

    let mut sorted = counts.clone();
    sorted.sort_unstable();
    Ok(Corpus {
        projects,
        adoptions: usize::try_from(adoptions)?,
        communes: communes.len(),
        max_adopters: sorted.last().copied().unwrap_or(0),
        median_adopters: sorted[sorted.len() / 2],
        unadopted: counts.iter().filter(|&&c| c == 0).count(),
        text_bytes,
        readme_words,
        elapsed: started.elapsed(),
        reference_elapsed,
        database_bytes: std::fs::metadata(db_path)?.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// Memory.

/// A `Vm…` line of /proc/PID/status, in KiB.
fn proc_status_kib(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets this process's peak resident set size (Linux ≥ 4.0), so that the next phase's peak
/// is its own; false when the kernel refuses.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) a process used so far, in seconds, from /proc/PID/stat.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name in brackets: state is the first, utime the 12th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks_per_second())
}

/// `getconf CLK_TCK`, 100 on every common Linux.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn rss_now() -> Option<u64> {
    proc_status_kib("self", "VmRSS:")
}

fn rss_peak() -> Option<u64> {
    proc_status_kib("self", "VmHWM:")
}

/// What the bench process's memory did in one phase.
struct PhaseMemory {
    phase: String,
    start_kib: Option<u64>,
    peak_kib: Option<u64>,
    reset: bool,
}

fn begin_phase() -> (bool, Option<u64>) {
    let reset = reset_peak();
    (reset, rss_now())
}

fn end_phase(phase: &str, (reset, start_kib): (bool, Option<u64>)) -> PhaseMemory {
    PhaseMemory {
        phase: phase.to_string(),
        start_kib,
        peak_kib: rss_peak(),
        reset,
    }
}

// ---------------------------------------------------------------------------------------------
// Index builds in child processes.

/// What a child process reported.
struct ChildBuild {
    elapsed: Duration,
    /// Maximum resident set size from `/usr/bin/time`, else the child's own VmHWM.
    peak_kib: Option<u64>,
    /// key=value lines the child printed.
    values: Vec<(String, String)>,
}

impl ChildBuild {
    fn value(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Runs this bench binary again with `args`, under `/usr/bin/time` when it is there.
fn run_child(args: &[&str]) -> anyhow::Result<ChildBuild> {
    let exe = std::env::current_exe()?;
    let timed = Path::new("/usr/bin/time").exists();
    let output = if timed {
        Command::new("/usr/bin/time")
            .args(["-f", "time_maxrss_kib=%M\ntime_user_s=%U\ntime_system_s=%S"])
            .arg(&exe)
            .args(args)
            .output()?
    } else {
        Command::new(&exe).args(args).output()?
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "child {args:?} failed: {stdout}\n{stderr}"
    );
    let values: Vec<(String, String)> = stdout
        .lines()
        .chain(stderr.lines())
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let build = ChildBuild {
        elapsed: Duration::ZERO,
        peak_kib: None,
        values,
    };
    let elapsed_ms: u64 = build
        .value("elapsed_ms")
        .context("child did not report elapsed_ms")?
        .parse()?;
    let peak_kib = build
        .value("time_maxrss_kib")
        .or_else(|| build.value("vmhwm_kib"))
        .and_then(|v| v.parse().ok());
    Ok(ChildBuild {
        elapsed: Duration::from_millis(elapsed_ms),
        peak_kib,
        ..build
    })
}

/// Child: civiforge's index, built by `SearchService::rebuild()` from the database.
fn child_tantivy(data_dir: &str, url: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = civiforge::store::connect(url).await?;
        let service_store = store.clone();
        let service = SearchService::new(Path::new(data_dir), store);
        let started = Instant::now();
        service.rebuild().await?;
        let elapsed = started.elapsed();
        println!("elapsed_ms={}", elapsed.as_millis());
        println!("documents={}", service.documents());
        // The same reads as the rebuild, without the indexing: what the store costs.
        let started = Instant::now();
        let mut read = 0;
        for batch in service_store.all_project_ids().await?.chunks(500) {
            read += service_store.search_sources(batch).await?.len();
        }
        println!("read_ms={}", started.elapsed().as_millis());
        println!("read_documents={read}");
        Ok::<_, anyhow::Error>(())
    })?;
    if let Some(peak) = rss_peak() {
        println!("vmhwm_kib={peak}");
    }
    Ok(())
}

/// Child: an FTS5 table over the same texts, in its own database file.
fn child_fts5(fts_path: &str, source_path: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let options = SqliteConnectOptions::new()
            .filename(fts_path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let mut connection = SqliteConnection::connect_with(&options).await?;
        sqlx::query("ATTACH DATABASE $1 AS source")
            .bind(source_path)
            .execute(&mut connection)
            .await?;
        let started = Instant::now();
        sqlx::query(
            "CREATE VIRTUAL TABLE projects_fts USING fts5(name, summary, readme, \
             tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&mut connection)
        .await?;
        let mut tx = connection.begin().await?;
        sqlx::query(
            "INSERT INTO projects_fts (rowid, name, summary, readme) \
             SELECT id, name, summary, COALESCE(readme_text, '') FROM source.projects \
             WHERE hidden = FALSE ORDER BY id",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let inserted = started.elapsed();
        sqlx::query("INSERT INTO projects_fts (projects_fts) VALUES ('optimize')")
            .execute(&mut connection)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut connection)
            .await?;
        let elapsed = started.elapsed();
        let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects_fts")
            .fetch_one(&mut connection)
            .await?;
        println!("elapsed_ms={}", elapsed.as_millis());
        println!("insert_ms={}", inserted.as_millis());
        println!("optimize_ms={}", (elapsed - inserted).as_millis());
        println!("documents={documents}");
        // Index b-trees apart from the copy of the texts FTS5 keeps in its content table.
        let index_bytes: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat \
             WHERE name IN ('projects_fts_data', 'projects_fts_idx', 'projects_fts_docsize', \
             'projects_fts_config')",
        )
        .fetch_one(&mut connection)
        .await?;
        let content_bytes: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'projects_fts_content'",
        )
        .fetch_one(&mut connection)
        .await?;
        println!("index_bytes={index_bytes}");
        println!("content_bytes={content_bytes}");
        connection.close().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    if let Some(peak) = rss_peak() {
        println!("vmhwm_kib={peak}");
    }
    Ok(())
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| match entry.metadata() {
                    Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
                    Ok(meta) => meta.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL.

struct PgBuild {
    load: Duration,
    tsvector: Duration,
    gin: Duration,
    table_bytes: i64,
    gin_bytes: i64,
    /// Peak resident set size of the server process that ran the build, when readable.
    backend_peak_kib: Option<u64>,
    /// CPU seconds of that server process for the tsvector column and the GIN index.
    build_cpu: Option<f64>,
    settings: String,
    version: String,
}

fn pg_database_url(admin_url: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin_url).context("CIVIFORGE_TEST_POSTGRES_URL")?;
    url.set_path(&format!("/{PG_DATABASE}"));
    Ok(url.to_string())
}

async fn pg_recreate_database(admin_url: &str, create: bool) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect(admin_url).await?;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    if create {
        // The name is a constant of this file.
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {PG_DATABASE} ENCODING 'UTF8' TEMPLATE template0"
        )))
        .execute(&mut admin)
        .await?;
    }
    admin.close().await?;
    Ok(())
}

async fn backend_pid(connection: &mut PgConnection) -> anyhow::Result<String> {
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(connection)
        .await?;
    Ok(pid.to_string())
}

async fn build_postgres(admin_url: &str, source_url: &str) -> anyhow::Result<PgBuild> {
    pg_recreate_database(admin_url, true).await?;
    let url = pg_database_url(admin_url)?;
    let mut pg = PgConnection::connect_with(&PgConnectOptions::from_str(&url)?).await?;
    let pid = backend_pid(&mut pg).await?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut pg)
        .await?;
    let mut settings = Vec::new();
    for name in ["shared_buffers", "maintenance_work_mem", "work_mem"] {
        let value: String = sqlx::query_scalar(AssertSqlSafe(format!("SHOW {name}")))
            .fetch_one(&mut pg)
            .await?;
        settings.push(format!("{name} = {value}"));
    }
    sqlx::query(
        "CREATE TABLE docs (id BIGINT PRIMARY KEY, name TEXT NOT NULL, summary TEXT NOT NULL, \
         readme TEXT NOT NULL)",
    )
    .execute(&mut pg)
    .await?;

    // Load the same texts from the SQLite database.
    let started = Instant::now();
    let mut source = SqliteConnection::connect(source_url).await?;
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, name, summary, COALESCE(readme_text, '') FROM projects \
             WHERE hidden = FALSE AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(PROJECT_BATCH as i64)
        .fetch_all(&mut source)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut query =
            QueryBuilder::<Postgres>::new("INSERT INTO docs (id, name, summary, readme) ");
        query.push_values(rows, |mut row, (id, name, summary, readme)| {
            row.push_bind(id)
                .push_bind(name)
                .push_bind(summary)
                .push_bind(readme);
        });
        query.build().execute(&mut pg).await?;
    }
    source.close().await?;
    let load = started.elapsed();

    let cpu_before = cpu_seconds(&pid);
    let started = Instant::now();
    sqlx::query(
        "ALTER TABLE docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS \
         (to_tsvector('french', name || ' ' || summary || ' ' || readme)) STORED",
    )
    .execute(&mut pg)
    .await?;
    let tsvector = started.elapsed();
    let started = Instant::now();
    sqlx::query("CREATE INDEX docs_tsv ON docs USING GIN (tsv)")
        .execute(&mut pg)
        .await?;
    let gin = started.elapsed();
    let build_cpu = cpu_before
        .zip(cpu_seconds(&pid))
        .map(|(before, after)| after - before);
    let backend_peak_kib = proc_status_kib(&pid, "VmHWM:");
    sqlx::query("VACUUM ANALYZE docs").execute(&mut pg).await?;
    let (table_bytes, gin_bytes): (i64, i64) =
        sqlx::query_as("SELECT pg_table_size('docs'), pg_relation_size('docs_tsv')")
            .fetch_one(&mut pg)
            .await?;
    pg.close().await?;
    Ok(PgBuild {
        load,
        tsvector,
        gin,
        table_bytes,
        gin_bytes,
        backend_peak_kib,
        build_cpu,
        settings: settings.join(", "),
        version,
    })
}

// ---------------------------------------------------------------------------------------------
// Queries.

struct BenchQuery {
    text: &'static str,
    what: &'static str,
}

const QUERIES: &[BenchQuery] = &[
    BenchQuery {
        text: "élections",
        what: "one frequent word, accented",
    },
    BenchQuery {
        text: "etat civil",
        what: "two words, accent left out",
    },
    BenchQuery {
        text: "délibérations conseil municipal",
        what: "three words",
    },
    BenchQuery {
        text: "cimetiere",
        what: "accent left out, singular",
    },
    BenchQuery {
        text: "deliberaton",
        what: "typo (missing i) and no accents",
    },
    BenchQuery {
        text: "marchés publics",
        what: "two words",
    },
    BenchQuery {
        text: "police municipale",
        what: "two words",
    },
    BenchQuery {
        text: "gestion des listes électorales",
        what: "four words with a stop word",
    },
    BenchQuery {
        text: "urbanisme permis de construire",
        what: "four words",
    },
    BenchQuery {
        text: "ostréiculture",
        what: "rare word (about ten READMEs)",
    },
    BenchQuery {
        text: "e",
        what: "one letter, as typed first",
    },
    BenchQuery {
        text: "",
        what: "empty: list by rank",
    },
];

/// The words of a query, split as civiforge splits them.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// One client of one engine.
enum Client {
    Civiforge(Arc<SearchService>),
    Fts5(SqliteConnection),
    Postgres(PgConnection),
}

const FTS5_QUERY: &str = "SELECT rowid, name, summary FROM projects_fts WHERE projects_fts MATCH $1 \
     ORDER BY bm25(projects_fts, 4.0, 2.0, 0.7) LIMIT $2";
const PG_QUERY: &str = "SELECT id, name, summary FROM docs, plainto_tsquery('french', $1) q \
     WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT $2";

impl Client {
    /// Whether this engine can run the query at all.
    fn supports(&self, query: &BenchQuery) -> bool {
        match self {
            Client::Civiforge(_) => true,
            Client::Fts5(_) | Client::Postgres(_) => !words(query.text).is_empty(),
        }
    }

    /// FTS5: every word as a quoted string (so no word is read as syntax), all required.
    fn fts5_expression(text: &str) -> String {
        words(text)
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the query; returns how many results came back.
    async fn run(&mut self, query: &BenchQuery) -> anyhow::Result<usize> {
        Ok(match self {
            Client::Civiforge(service) => service
                .search(SearchRequest {
                    text: query.text.to_string(),
                    filters: Filters::default(),
                    limit: LIMIT,
                    offset: 0,
                })
                .await?
                .items
                .len(),
            // Rows decoded into values, as an application would.
            Client::Fts5(connection) => sqlx::query_as::<_, (i64, String, String)>(FTS5_QUERY)
                .bind(Self::fts5_expression(query.text))
                .bind(LIMIT as i64)
                .fetch_all(connection)
                .await?
                .len(),
            Client::Postgres(connection) => sqlx::query_as::<_, (i64, String, String)>(PG_QUERY)
                .bind(query.text)
                .bind(LIMIT as i64)
                .fetch_all(connection)
                .await?
                .len(),
        })
    }

    /// How many documents match (untimed).
    async fn count(&mut self, query: &BenchQuery) -> anyhow::Result<u64> {
        let count: i64 = match self {
            Client::Civiforge(service) => {
                return Ok(service
                    .search(SearchRequest {
                        text: query.text.to_string(),
                        filters: Filters::default(),
                        limit: 1,
                        offset: 0,
                    })
                    .await?
                    .total as u64);
            }
            Client::Fts5(connection) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM projects_fts WHERE projects_fts MATCH $1")
                    .bind(Self::fts5_expression(query.text))
                    .fetch_one(connection)
                    .await?
            }
            Client::Postgres(connection) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM docs WHERE tsv @@ plainto_tsquery('french', $1)",
                )
                .bind(query.text)
                .fetch_one(connection)
                .await?
            }
        };
        Ok(count as u64)
    }

    /// The first result's name, to show what each engine puts on top (untimed).
    async fn top(&mut self, query: &BenchQuery) -> anyhow::Result<Option<String>> {
        Ok(match self {
            Client::Civiforge(service) => service
                .search(SearchRequest {
                    text: query.text.to_string(),
                    filters: Filters::default(),
                    limit: 1,
                    offset: 0,
                })
                .await?
                .items
                .first()
                .map(|hit| hit.name.clone()),
            Client::Fts5(connection) => sqlx::query(FTS5_QUERY)
                .bind(Self::fts5_expression(query.text))
                .bind(1i64)
                .fetch_optional(connection)
                .await?
                .map(|row| row.get::<String, _>(1)),
            Client::Postgres(connection) => sqlx::query(PG_QUERY)
                .bind(query.text)
                .bind(1i64)
                .fetch_optional(connection)
                .await?
                .map(|row| row.get::<String, _>(1)),
        })
    }

    /// Runs the queries in turn from `start`, whole rounds, until `budget` is spent; returns
    /// how many ran.
    async fn rounds(
        &mut self,
        queries: &[&BenchQuery],
        start: usize,
        budget: Duration,
    ) -> anyhow::Result<Vec<Duration>> {
        let started = Instant::now();
        let mut samples = Vec::new();
        while started.elapsed() < budget {
            for i in 0..queries.len() {
                let t = Instant::now();
                self.run(queries[(start + i) % queries.len()]).await?;
                samples.push(t.elapsed());
            }
        }
        Ok(samples)
    }
}

/// Timings of one query on one engine.
struct QueryStats {
    hits: u64,
    top: Option<String>,
    /// Sorted.
    samples: Vec<Duration>,
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Everything measured on one engine's queries.
struct EngineRun {
    per_query: Vec<Option<QueryStats>>,
    /// Queries per second of one client over the common mix (each query weighing the same).
    qps_one: f64,
    /// Queries per second of two concurrent clients over the same mix.
    qps_two: f64,
    /// Latencies of one client running the common mix in turn, sorted.
    mix: Vec<Duration>,
    /// Latencies of each of two concurrent clients, sorted.
    mix_two: Vec<Duration>,
    /// CPU time per query of one client running the mix (bench process and, for PostgreSQL,
    /// the server backend).
    cpu_per_query: Option<Duration>,
    memory: PhaseMemory,
    /// Server-side peaks (PostgreSQL backends), when readable.
    server_peak_kib: Option<u64>,
}

/// Which queries every engine runs: the common mix.
fn common_mix() -> Vec<usize> {
    QUERIES
        .iter()
        .enumerate()
        .filter(|(_, q)| !words(q.text).is_empty())
        .map(|(i, _)| i)
        .collect()
}

async fn measure_engine(
    name: &str,
    mut first: Client,
    mut second: Client,
    phase: (bool, Option<u64>),
) -> anyhow::Result<EngineRun> {
    let mut per_query = Vec::new();
    for query in QUERIES {
        if !first.supports(query) {
            per_query.push(None);
            continue;
        }
        let hits = first.count(query).await?;
        let top = first.top(query).await?;
        for _ in 0..WARMUP {
            first.run(query).await?;
        }
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < MAX_RUNS
            && (samples.len() < MIN_RUNS || started.elapsed() < QUERY_BUDGET)
        {
            let t = Instant::now();
            first.run(query).await?;
            samples.push(t.elapsed());
        }
        samples.sort_unstable();
        eprintln!(
            "  {name} {:?}: {hits} hits, p50 {}, {} runs",
            query.text,
            fmt_duration(percentile(&samples, 0.5)),
            samples.len()
        );
        per_query.push(Some(QueryStats { hits, top, samples }));
    }
    // The mix in turn, so that each query meets the caches the others left, as in real use.
    let mix_indices = common_mix();
    let queries: Vec<&BenchQuery> = mix_indices.iter().map(|&i| &QUERIES[i]).collect();
    // CPU time of this process and of the PostgreSQL backend serving it: unlike wall time,
    // it does not depend on what else the machine runs.
    let backend = match &mut first {
        Client::Postgres(connection) => Some(backend_pid(connection).await?),
        _ => None,
    };
    let cpu = || {
        let server = backend.as_deref().map_or(Some(0.0), cpu_seconds);
        Some(cpu_seconds("self")? + server?)
    };
    let cpu_before = cpu();
    let started = Instant::now();
    let mut mix = first.rounds(&queries, 0, CONCURRENT_BUDGET).await?;
    let qps_one = mix.len() as f64 / started.elapsed().as_secs_f64();
    let cpu_per_query = cpu_before
        .zip(cpu())
        .map(|(before, after)| Duration::from_secs_f64((after - before) / mix.len() as f64));
    mix.sort_unstable();
    let started = Instant::now();
    let (a, b) = tokio::join!(
        first.rounds(&queries, 0, CONCURRENT_BUDGET),
        second.rounds(&queries, queries.len() / 2, CONCURRENT_BUDGET)
    );
    let mut mix_two = a?;
    mix_two.extend(b?);
    let qps_two = mix_two.len() as f64 / started.elapsed().as_secs_f64();
    mix_two.sort_unstable();
    eprintln!("  {name}: {qps_one:.0} q/s one client, {qps_two:.0} q/s two clients");

    let mut server_peak_kib = None;
    for client in [&mut first, &mut second] {
        if let Client::Postgres(connection) = client {
            let pid = backend_pid(connection).await?;
            if let Some(peak) = proc_status_kib(&pid, "VmHWM:") {
                server_peak_kib = Some(server_peak_kib.unwrap_or(0u64).max(peak));
            }
        }
    }
    for client in [first, second] {
        match client {
            Client::Civiforge(_) => {}
            Client::Fts5(connection) => connection.close().await?,
            Client::Postgres(connection) => connection.close().await?,
        }
    }
    Ok(EngineRun {
        per_query,
        qps_one,
        qps_two,
        mix,
        mix_two,
        cpu_per_query,
        memory: end_phase(&format!("{name} queries"), phase),
        server_peak_kib,
    })
}

// ---------------------------------------------------------------------------------------------
// Where civiforge's query time goes.

/// Queries broken down.
const BREAKDOWN_QUERIES: &[&str] = &[
    "élections",
    "délibérations conseil municipal",
    "deliberaton",
    "ostréiculture",
    "",
];
/// Runs of each part; the median is kept.
const BREAKDOWN_RUNS: usize = 15;

/// Median time of each part of one civiforge query.
struct Breakdown {
    text: &'static str,
    /// `Engine::search` called directly, without the service's `spawn_blocking`.
    engine: Duration,
    count: Duration,
    count_without_fuzzy: Duration,
    top_tweaked: Duration,
    top_plain: Duration,
    facets: Duration,
    documents_and_highlights: Duration,
    one_pass: Duration,
    /// The replica counts what `Engine::search` counts.
    replica_agrees: bool,
}

fn median_of<T>(mut run: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<Duration> {
    let mut samples = Vec::with_capacity(BREAKDOWN_RUNS);
    run()?;
    for _ in 0..BREAKDOWN_RUNS {
        let started = Instant::now();
        run()?;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    Ok(percentile(&samples, 0.5))
}

/// The query `Engine::search` builds for plain words without filters, rebuilt here from the
/// public schema (a replica of `engine.rs`: `word_query` and `text_query` with every word
/// required).
fn replica_query(
    fields: &civiforge::search::schema::Fields,
    text: &str,
    fuzzy: bool,
) -> Box<dyn tantivy::query::Query> {
    use civiforge::search::engine::RankingWeights;
    use civiforge::search::schema::{folded_analyzer, french_analyzer, tokens};
    use tantivy::Term;
    use tantivy::query::{
        AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query,
        TermQuery,
    };
    use tantivy::schema::IndexRecordOption;
    let w = RankingWeights::default();
    let weighted = [
        (fields.name, w.name),
        (fields.categories_text, w.categories),
        (fields.summary, w.summary),
        (fields.publiccode, w.publiccode),
        (fields.adopters, w.adopters),
        (fields.readme, w.readme),
        (fields.maintainers, w.maintainers),
    ];
    let user = civiforge::search::query::UserQuery::parse(text);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in user.positive_words() {
        let Some(stem) = tokens(&mut french_analyzer(), word).into_iter().next() else {
            continue;
        };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = weighted
            .iter()
            .map(|&(field, boost)| {
                let term = TermQuery::new(
                    Term::from_field_text(field, &stem),
                    IndexRecordOption::WithFreqs,
                );
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>,
                )
            })
            .collect();
        let letters = word.chars().count();
        if fuzzy
            && letters >= 5
            && let Some(folded) = tokens(&mut folded_analyzer(), word).into_iter().next()
        {
            let distance = if letters >= 8 { 2 } else { 1 };
            let query = FuzzyTermQuery::new(
                Term::from_field_text(fields.folded, &folded),
                distance,
                true,
            );
            alternatives.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(query), w.fuzzy)),
            ));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
    }
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    let text_query: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
    Box::new(BooleanQuery::new(vec![(Occur::Must, text_query)]))
}

/// Times `Engine::search` and the parts it is made of, on the index the service built.
fn civiforge_breakdown(search_dir: &Path) -> anyhow::Result<Vec<Breakdown>> {
    use civiforge::search::engine::{Engine, RankingWeights};
    use civiforge::search::schema::{french_analyzer, tokens};
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Value};
    use tantivy::snippet::SnippetGenerator;
    use tantivy::{DocAddress, Index, ReloadPolicy, TantivyDocument};

    let index = Index::open_in_dir(search_dir)?;
    civiforge::search::schema::register_tokenizers(&index);
    let (_, fields) = civiforge::search::schema::build();
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let engine = Engine {
        index: &index,
        fields: &fields,
        weights: RankingWeights::default(),
    };
    let now = Utc::now().timestamp();
    // The engine's own collectors, so that the breakdown measures what searches run.
    let facet_spec = || engine.facets_collector();
    let tweaked = || engine.ranking(LIMIT, 0, now);

    let mut rows = Vec::new();
    for &text in BREAKDOWN_QUERIES {
        let request = SearchRequest {
            text: text.to_string(),
            filters: Filters::default(),
            limit: LIMIT,
            offset: 0,
        };
        let expected = engine.search(&searcher, &request, now)?.total;
        let query = replica_query(&fields, text, true);
        let plain = replica_query(&fields, text, false);
        let replica_agrees = searcher.search(&*query, &Count)? == expected;
        let engine_time = median_of(|| Ok(engine.search(&searcher, &request, now)?))?;
        let count = median_of(|| Ok(searcher.search(&*query, &Count)?))?;
        let count_without_fuzzy = median_of(|| Ok(searcher.search(&*plain, &Count)?))?;
        let top_tweaked = median_of(|| Ok(searcher.search(&*query, &tweaked())?))?;
        let top_plain = median_of(|| {
            Ok(searcher.search(&*query, &TopDocs::with_limit(LIMIT).order_by_score())?)
        })?;
        let facets = median_of(|| Ok(searcher.search(&*query, &facet_spec()?)?))?;
        let top: Vec<(_, DocAddress)> = searcher.search(&*query, &tweaked())?;
        let words = civiforge::search::query::UserQuery::parse(text);
        let stems: Vec<(Occur, Box<dyn Query>)> = words
            .positive_words()
            .iter()
            .filter_map(|w| tokens(&mut french_analyzer(), w).into_iter().next())
            .map(|stem| {
                let term = tantivy::Term::from_field_text(fields.body, &stem);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        let highlight_query = BooleanQuery::new(stems);
        let has_words = !words.positive_words().is_empty();
        let documents_and_highlights = median_of(|| {
            let generator = if has_words {
                let mut generator =
                    SnippetGenerator::create(&searcher, &highlight_query, fields.body)?;
                generator.set_max_num_chars(200);
                Some(generator)
            } else {
                None
            };
            let mut length = 0;
            for (_, address) in &top {
                let doc: TantivyDocument = searcher.doc(*address)?;
                length += doc
                    .get_first(fields.summary)
                    .and_then(|v| v.as_str())
                    .map_or(0, str::len);
                if let Some(generator) = &generator {
                    length += generator.snippet_from_doc(&doc).to_html().len();
                }
            }
            Ok(length)
        })?;
        let one_pass =
            median_of(|| Ok(searcher.search(&*query, &(Count, tweaked(), facet_spec()?))?))?;
        rows.push(Breakdown {
            text,
            engine: engine_time,
            count,
            count_without_fuzzy,
            top_tweaked,
            top_plain,
            facets,
            documents_and_highlights,
            one_pass,
            replica_agrees,
        });
    }
    Ok(rows)
}

fn print_breakdown(rows: &[Breakdown]) {
    println!(
        "\n### Where civiforge's query time goes (medians of {BREAKDOWN_RUNS} runs, in the bench process)\n"
    );
    println!(
        "`Engine::search` makes one pass over the matches that counts them, keeps the top \
         {LIMIT} ranked by relevance × adoption × freshness and aggregates the 7 facets, then \
         reads the {LIMIT} stored documents and their highlights. The parts are timed apart, \
         each as a pass of its own, on a replica of its query built from the public schema.\n"
    );
    println!(
        "| query | `Engine::search` | count pass | count, no fuzzy clause | top {LIMIT} (ranked as civiforge) | top {LIMIT} by score alone | facets pass | documents + highlights | count + top + facets in one pass |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| `{}`{} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.text,
            if row.replica_agrees {
                ""
            } else {
                " (replica counts differ)"
            },
            fmt_duration(row.engine),
            fmt_duration(row.count),
            fmt_duration(row.count_without_fuzzy),
            fmt_duration(row.top_tweaked),
            fmt_duration(row.top_plain),
            fmt_duration(row.facets),
            fmt_duration(row.documents_and_highlights),
            fmt_duration(row.one_pass),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

fn fmt_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn fmt_mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn fmt_kib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".to_string(), |k| fmt_mib(k * 1024))
}

fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct Report {
    corpus: Corpus,
    tantivy: ChildBuild,
    tantivy_bytes: u64,
    fts5: ChildBuild,
    fts5_bytes: u64,
    postgres: Option<PgBuild>,
    engines: Vec<(&'static str, EngineRun)>,
    phases: Vec<PhaseMemory>,
    open_elapsed: Duration,
    breakdown: Vec<Breakdown>,
    load_start: String,
    load_end: String,
    total: Duration,
}

/// The 1, 5 and 15 minute load averages: the machine may be shared.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "n/a".to_string())
}

/// CPU seconds a child used (user + system), from `/usr/bin/time`.
fn child_cpu(build: &ChildBuild) -> String {
    let seconds = |key| build.value(key).and_then(|v| v.parse::<f64>().ok());
    match (seconds("time_user_s"), seconds("time_system_s")) {
        (Some(user), Some(system)) => format!("{:.1} s CPU", user + system),
        _ => "CPU n/a".to_string(),
    }
}

fn print_report(r: &Report) {
    let c = &r.corpus;
    println!("### Corpus\n");
    println!(
        "- {} projects, {} adoptions over {} communes (most adopted project: {}, median: {}, \
         without any: {})",
        fmt_count(c.projects as u64),
        fmt_count(c.adoptions as u64),
        fmt_count(c.communes as u64),
        fmt_count(c.max_adopters as u64),
        c.median_adopters,
        fmt_count(c.unadopted as u64),
    );
    println!(
        "- texts (name + summary + README): {}, {} README words on average",
        fmt_mib(c.text_bytes as u64),
        c.readme_words / c.projects.max(1)
    );
    println!(
        "- SQLite database {} written in {:.1} s (reference data: {:.1} s)\n",
        fmt_mib(c.database_bytes),
        c.elapsed.as_secs_f64(),
        c.reference_elapsed.as_secs_f64()
    );

    println!("### Index build\n");
    println!("| engine | build time | detail | size on disk | peak memory of the build |");
    println!("|---|---|---|---|---|");
    let read = r
        .tantivy
        .value("read_ms")
        .and_then(|v| v.parse::<f64>().ok())
        .map_or("?".to_string(), |v| format!("{:.1} s", v / 1000.0));
    println!(
        "| civiforge (tantivy) | {:.1} s | `SearchService::rebuild()` of {} documents ({}); reading them alone from the SQLite store takes {read} | {} | {} (child process RSS) |",
        r.tantivy.elapsed.as_secs_f64(),
        r.tantivy.value("documents").unwrap_or("?"),
        child_cpu(&r.tantivy),
        fmt_mib(r.tantivy_bytes),
        fmt_kib(r.tantivy.peak_kib),
    );
    let ms = |key: &str| {
        r.fts5
            .value(key)
            .and_then(|v| v.parse::<f64>().ok())
            .map_or("?".to_string(), |v| format!("{:.1} s", v / 1000.0))
    };
    let bytes = |key: &str| {
        r.fts5
            .value(key)
            .and_then(|v| v.parse::<u64>().ok())
            .map_or("?".to_string(), fmt_mib)
    };
    println!(
        "| SQLite FTS5 | {:.1} s | insert {}, optimize {} ({}) | {} (index {}, copy of the texts {}) | {} (child process RSS) |",
        r.fts5.elapsed.as_secs_f64(),
        ms("insert_ms"),
        ms("optimize_ms"),
        child_cpu(&r.fts5),
        fmt_mib(r.fts5_bytes),
        bytes("index_bytes"),
        bytes("content_bytes"),
        fmt_kib(r.fts5.peak_kib),
    );
    match &r.postgres {
        Some(pg) => println!(
            "| PostgreSQL {} | {:.1} s | tsvector column {:.1} s, GIN index {:.1} s ({} server CPU; loading the texts first: {:.1} s) | {} (table with texts and tsvector {}, GIN {}) | {} (server backend RSS, shared buffers included) |",
            pg.version,
            (pg.tsvector + pg.gin).as_secs_f64(),
            pg.tsvector.as_secs_f64(),
            pg.gin.as_secs_f64(),
            pg.build_cpu
                .map_or_else(|| "n/a".to_string(), |cpu| format!("{cpu:.1} s")),
            pg.load.as_secs_f64(),
            fmt_mib((pg.table_bytes + pg.gin_bytes) as u64),
            fmt_mib(pg.table_bytes as u64),
            fmt_mib(pg.gin_bytes as u64),
            fmt_kib(pg.backend_peak_kib),
        ),
        None => println!("| PostgreSQL | skipped | `CIVIFORGE_TEST_POSTGRES_URL` not set | | |"),
    }
    if let Some(pg) = &r.postgres {
        println!("\nPostgreSQL settings: {}.", pg.settings);
    }
    println!(
        "\nOpening the built civiforge index in the bench process: {}.\n",
        fmt_duration(r.open_elapsed)
    );

    println!("### Queries (top {LIMIT}, one client, each query repeated: warm for that query)\n");
    print!("| query | ");
    for (name, _) in &r.engines {
        print!("{name}: hits | p50 | p99 | ");
    }
    println!();
    print!("|---|");
    for _ in &r.engines {
        print!("---:|---:|---:|");
    }
    println!();
    for (i, query) in QUERIES.iter().enumerate() {
        print!("| `{}` ({}) | ", query.text, query.what);
        for (_, run) in &r.engines {
            match &run.per_query[i] {
                Some(stats) => print!(
                    "{} | {} | {} | ",
                    fmt_count(stats.hits),
                    fmt_duration(percentile(&stats.samples, 0.5)),
                    fmt_duration(percentile(&stats.samples, 0.99)),
                ),
                None => print!("n/a | | | "),
            }
        }
        println!();
    }
    let runs: Vec<usize> = r
        .engines
        .iter()
        .flat_map(|(_, run)| run.per_query.iter().flatten().map(|s| s.samples.len()))
        .collect();
    println!(
        "\n{}–{} timed runs per query and engine after {WARMUP} warm-up runs (at most {MAX_RUNS}, \
         stopping after {} s once {MIN_RUNS} are done): p99 is close to the slowest run.\n",
        runs.iter().min().copied().unwrap_or(0),
        runs.iter().max().copied().unwrap_or(0),
        QUERY_BUDGET.as_secs()
    );

    println!("First result of each engine:\n");
    print!("| query |");
    for (name, _) in &r.engines {
        print!(" {name} |");
    }
    println!();
    print!("|---|");
    for _ in &r.engines {
        print!("---|");
    }
    println!();
    for (i, query) in QUERIES.iter().enumerate() {
        print!("| `{}` |", query.text);
        for (_, run) in &r.engines {
            let top = run.per_query[i]
                .as_ref()
                .map_or("n/a".to_string(), |s| s.top.clone().unwrap_or("—".into()));
            print!(" {top} |");
        }
        println!();
    }

    let mix = common_mix().len();
    println!(
        "\n### Throughput and memory (the {mix} queries every engine runs, in turn, for {} s; \
         two clients start half-way through the list)\n",
        CONCURRENT_BUDGET.as_secs()
    );
    println!(
        "| engine | 1 client: p50 | p99 | queries/s | CPU per query | 2 clients: p50 | p99 | queries/s | bench process RSS before → peak | server RSS peak |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for (name, run) in &r.engines {
        println!(
            "| {name} | {} | {} | {:.0} | {} | {} | {} | {:.0} | {} → {} | {} |",
            fmt_duration(percentile(&run.mix, 0.5)),
            fmt_duration(percentile(&run.mix, 0.99)),
            run.qps_one,
            run.cpu_per_query
                .map_or_else(|| "n/a".to_string(), fmt_duration),
            fmt_duration(percentile(&run.mix_two, 0.5)),
            fmt_duration(percentile(&run.mix_two, 0.99)),
            run.qps_two,
            fmt_kib(run.memory.start_kib),
            fmt_kib(run.memory.peak_kib),
            if *name == "PostgreSQL" {
                fmt_kib(run.server_peak_kib)
            } else {
                "—".to_string()
            },
        );
    }

    print_breakdown(&r.breakdown);

    println!("\n### Bench process memory by phase\n");
    println!("| phase | RSS at start | peak RSS (VmHWM) |");
    println!("|---|---|---|");
    for phase in &r.phases {
        println!(
            "| {}{} | {} | {} |",
            phase.phase,
            if phase.reset {
                ""
            } else {
                " (peak not reset: cumulative)"
            },
            fmt_kib(phase.start_kib),
            fmt_kib(phase.peak_kib)
        );
    }
    println!(
        "\nWhole run: {:.0} s; load average (1, 5, 15 min) {} at the start, {} at the end.",
        r.total.as_secs_f64(),
        r.load_start,
        r.load_end
    );
}

// ---------------------------------------------------------------------------------------------

async fn run() -> anyhow::Result<()> {
    let total_started = Instant::now();
    let load_start = load_average();
    let projects = match std::env::var("CIVIFORGE_BENCH_PROJECTS") {
        Ok(n) => n.parse().context("CIVIFORGE_BENCH_PROJECTS")?,
        Err(_) => PROJECTS,
    };
    for category in CATEGORIES {
        anyhow::ensure!(
            DOMAINS.iter().any(|d| d.slug == category.slug),
            "no vocabulary for category {}",
            category.slug
        );
    }
    for domain in DOMAINS {
        anyhow::ensure!(
            civiforge::categories::by_slug(domain.slug).is_some(),
            "unknown category {}",
            domain.slug
        );
    }
    let keep = std::env::var_os("CIVIFORGE_BENCH_KEEP").is_some();
    let postgres_url = std::env::var("CIVIFORGE_TEST_POSTGRES_URL").ok();
    if postgres_url.is_none() {
        eprintln!(
            "CIVIFORGE_TEST_POSTGRES_URL is not set: the PostgreSQL column is SKIPPED \
             (no server is started)."
        );
    }
    let dir = tempfile::Builder::new()
        .prefix("civiforge-bench-search-")
        .tempdir()?;
    let db_path = dir.path().join("civiforge.db");
    let url = format!("sqlite://{}", db_path.display());
    let mut phases = Vec::new();

    eprintln!(
        "generating {projects} projects and ~{} adoptions into {}",
        projects * ADOPTIONS_PER_PROJECT,
        db_path.display()
    );
    let phase = begin_phase();
    let corpus = build_corpus(&url, &db_path, projects).await?;
    phases.push(end_phase("generate and insert the corpus", phase));
    eprintln!(
        "  {} adoptions, {:.1} s",
        corpus.adoptions,
        corpus.elapsed.as_secs_f64()
    );

    let data_dir: PathBuf = dir.path().join("data");
    eprintln!("civiforge index: SearchService::rebuild() in a child process");
    let data_dir_text = data_dir.display().to_string();
    let tantivy = run_child(&["--tantivy-child", &data_dir_text, &url])?;
    let tantivy_bytes = dir_size(&data_dir.join("search"));
    eprintln!("  {:.1} s", tantivy.elapsed.as_secs_f64());

    eprintln!("FTS5 table in a child process");
    let fts_path = dir.path().join("fts5.db");
    let fts_text = fts_path.display().to_string();
    let source_text = db_path.display().to_string();
    let fts5 = run_child(&["--fts5-child", &fts_text, &source_text])?;
    let fts5_bytes = std::fs::metadata(&fts_path)?.len();
    eprintln!("  {:.1} s", fts5.elapsed.as_secs_f64());

    let postgres = match &postgres_url {
        Some(admin_url) => {
            eprintln!("PostgreSQL table and GIN index");
            let phase = begin_phase();
            let build = build_postgres(admin_url, &url).await?;
            phases.push(end_phase("PostgreSQL load and build (client side)", phase));
            eprintln!("  {:.1} s", (build.tsvector + build.gin).as_secs_f64());
            Some(build)
        }
        None => None,
    };

    let mut engines = Vec::new();
    eprintln!("queries: civiforge");
    let phase = begin_phase();
    let store = civiforge::store::connect(&url).await?;
    let service = SearchService::new(&data_dir, store);
    let started = Instant::now();
    service.open_or_rebuild().await?;
    let open_elapsed = started.elapsed();
    anyhow::ensure!(
        service.documents() == projects as u64,
        "the civiforge index has {} documents, not {projects}",
        service.documents()
    );
    eprintln!("pages: server time");
    let pages = measure_pages(&url, service.clone()).await?;
    let civiforge_run = measure_engine(
        "civiforge",
        Client::Civiforge(service.clone()),
        Client::Civiforge(service.clone()),
        phase,
    )
    .await?;
    drop(service);
    engines.push(("civiforge", civiforge_run));
    eprintln!("civiforge query breakdown");
    let breakdown = civiforge_breakdown(&data_dir.join("search"))?;

    eprintln!("queries: FTS5");
    let phase = begin_phase();
    let fts_options = SqliteConnectOptions::new()
        .filename(&fts_path)
        .read_only(true);
    let fts_run = measure_engine(
        "FTS5",
        Client::Fts5(SqliteConnection::connect_with(&fts_options).await?),
        Client::Fts5(SqliteConnection::connect_with(&fts_options).await?),
        phase,
    )
    .await?;
    engines.push(("FTS5", fts_run));

    if let Some(admin_url) = &postgres_url {
        eprintln!("queries: PostgreSQL");
        let phase = begin_phase();
        let pg_url = pg_database_url(admin_url)?;
        let pg_run = measure_engine(
            "PostgreSQL",
            Client::Postgres(PgConnection::connect(&pg_url).await?),
            Client::Postgres(PgConnection::connect(&pg_url).await?),
            phase,
        )
        .await?;
        engines.push(("PostgreSQL", pg_run));
        if !keep {
            pg_recreate_database(admin_url, false).await?;
        }
    }
    for (_, run) in &engines {
        phases.push(PhaseMemory {
            phase: run.memory.phase.clone(),
            start_kib: run.memory.start_kib,
            peak_kib: run.memory.peak_kib,
            reset: run.memory.reset,
        });
    }

    print_report(&Report {
        corpus,
        tantivy,
        tantivy_bytes,
        fts5,
        fts5_bytes,
        postgres,
        engines,
        phases,
        open_elapsed,
        breakdown,
        load_start,
        load_end: load_average(),
        total: total_started.elapsed(),
    });
    println!();
    println!("### Pages (server time, in process, {projects} projects)");
    println!();
    println!("| page | p50 | p99 | runs | HTML size |");
    println!("|---|---|---|---|---|");
    for (path, p50, p99, runs, bytes) in &pages {
        println!(
            "| `{path}` | {:.1} ms | {:.1} ms | {runs} | {} kB |",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            bytes / 1024
        );
    }
    if keep {
        eprintln!(
            "kept {} and the PostgreSQL database {PG_DATABASE}",
            dir.keep().display()
        );
    }
    Ok(())
}

/// Server time of the HTML pages on this catalogue: the project page of the most adopted
/// project (its adopters table, map and chart), search pages and the home page, rendered by
/// the real router in this process (no network). Returns (path, p50, p99, runs, bytes).
async fn measure_pages(
    url: &str,
    service: Arc<SearchService>,
) -> anyhow::Result<Vec<(String, Duration, Duration, usize, usize)>> {
    use civiforge::model::{ProjectFilter, ProjectOrder, Window};
    use tower::ServiceExt;
    let store = civiforge::store::connect(url).await?;
    let filter = ProjectFilter {
        order: ProjectOrder::MostAdopted,
        ..Default::default()
    };
    let top = store
        .list_projects(
            &filter,
            Window {
                limit: 1,
                offset: 0,
            },
        )
        .await?
        .items
        .pop()
        .context("an empty catalogue")?;
    let key = civiforge::secrets::ServerKey::from_hex(&"ab".repeat(32))?;
    let state = civiforge::app::AppState::new(store, Default::default(), key, service);
    let app = civiforge::app::app(state);
    let paths = [
        format!("/projets/{}", top.slug),
        "/recherche?q=%C3%A9lections".to_string(),
        "/recherche?q=cimetiere&category=cimetieres&page=3".to_string(),
        "/".to_string(),
    ];
    let mut results = Vec::new();
    for path in paths {
        let mut samples = Vec::new();
        let mut bytes = 0;
        let started = Instant::now();
        for run in 0..(WARMUP + MAX_RUNS) {
            if run >= WARMUP + MIN_RUNS && started.elapsed() > QUERY_BUDGET {
                break;
            }
            let request = axum::http::Request::builder()
                .uri(&path)
                .body(axum::body::Body::empty())?;
            let began = Instant::now();
            let response = app.clone().oneshot(request).await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024).await?;
            let elapsed = began.elapsed();
            bytes = body.len();
            if run >= WARMUP {
                samples.push(elapsed);
            }
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        results.push((path, at(0.5), at(0.99), samples.len(), bytes));
    }
    Ok(results)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2), args.get(3)) {
        (Some("--tantivy-child"), Some(data_dir), Some(url)) => child_tantivy(data_dir, url),
        (Some("--fts5-child"), Some(fts), Some(source)) => child_fts5(fts, source),
        _ => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run()),
    }
}
