//! The corpus itself, generated: each project from its own stream of the seeded generator,
//! so that project N is the same in every run whatever the corpus size; adopters spread over
//! the communes with Zipf-like popularity.

use chrono::{DateTime, NaiveDate, Utc};
use civiforge::model::{AdoptionStatus, Health, NewProject, Verification};
use civiforge::store::{ImportedAdoption, ImportedProject};

use super::vocabulary::*;
use crate::rng::Lcg;

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

/// Project number `number` (from 1); the same for every run. It is written as an import of
/// an indexed project: README text, licence, publiccode.yml and last commit date.
pub fn project(number: usize, now: DateTime<Utc>) -> ImportedProject {
    let mut rng = Lcg::new(number as u64);
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
    let slug = format!("{}-{number}", slugify(&name));
    let mut categories = vec![domain.slug.to_string()];
    let second = if rng.chance(0.25) {
        let other = pick_domain(&mut rng, total_weight);
        (other != main).then_some(other)
    } else {
        None
    };
    if let Some(other) = second {
        categories.push(DOMAINS[other].slug.to_string());
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
    if number.is_multiple_of(RARE_EVERY) {
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
    let health = Health {
        last_commit_at: Some(now - chrono::Duration::days(rng.below(6 * 365) as i64)),
        ..Health::default()
    };
    ImportedProject {
        project: NewProject::new(
            slug.clone(),
            name,
            summary,
            &civiforge_indexer::RepositoryUrlPolicy::default()
                .check(&format!("https://forge.example.org/communs/{slug}.git"))
                .expect("a generated repository URL passes the policy"),
            categories,
        ),
        license: license.map(str::to_string),
        readme_html: None,
        readme_text: Some(readme),
        publiccode_json: publiccode,
        health_json: serde_json::to_string(&health).ok(),
        versions: Vec::new(),
        created_at: now,
        updated_at: now,
        indexed_at: Some(now),
    }
}

/// Adopters of each project, indexed by number − 1: a few projects very adopted, many with a
/// handful, a tenth with none (Zipf-like, exponent 0.9, capped).
pub fn adopter_counts(projects: usize, target: usize, cap: usize) -> Vec<usize> {
    let mut rng = Lcg::new(u64::MAX);
    // Popularity ranks shuffled over projects, so that adoption does not follow their order.
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

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The `count` adoptions of project number `number` (stored as `project_id`), by distinct
/// communes.
pub fn adoptions(
    number: usize,
    project_id: i64,
    count: usize,
    communes: &[String],
    now: DateTime<Utc>,
) -> Vec<ImportedAdoption> {
    let mut rng = Lcg::new(1_000_000_000 + number as u64);
    // Distinct communes: an arithmetic progression, modulo their number, of a step prime
    // with it.
    let start = rng.below(communes.len());
    let mut step = 1 + rng.below(communes.len().saturating_sub(1));
    while gcd(step, communes.len()) != 1 {
        step += 1;
    }
    let epoch = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or_default();
    (0..count)
        .map(|i| {
            let organisation_id = communes[(start + i * step) % communes.len()].clone();
            let roll = rng.below(100);
            ImportedAdoption {
                project_id,
                organisation_id,
                version: rng
                    .chance(0.7)
                    .then(|| format!("{}.{}.{}", 1 + rng.below(5), rng.below(10), rng.below(8))),
                status: if roll < 88 {
                    AdoptionStatus::InUse
                } else if roll < 96 {
                    AdoptionStatus::Evaluating
                } else {
                    AdoptionStatus::Stopped
                },
                since: rng
                    .chance(0.6)
                    .then(|| epoch + chrono::Duration::days(rng.below(5_000) as i64)),
                verification: rng.pick(&[
                    Verification::Unverified,
                    Verification::Unverified,
                    Verification::Unverified,
                    Verification::Agent,
                    Verification::Moderator,
                ]),
                declared_at: now,
            }
        })
        .collect()
}
