//! `civiforge index`: the indexing pipeline in the foreground, with a progress bar on a
//! terminal and one summary line per repository otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use crate::indexing::{IndexContext, IndexSummary};

/// Indexes the projects named (all when `slugs` is empty); fails if any failed.
pub async fn run(context: IndexContext, slugs: &[String]) -> anyhow::Result<()> {
    let projects = context.store.project_ids(slugs).await?;
    let unknown: Vec<&String> = slugs
        .iter()
        .filter(|slug| !projects.iter().any(|(_, s)| s == *slug))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        bail!("projet(s) inconnu(s) : {}", names.join(", "));
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(projects.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut failures = 0;
    for (id, slug) in &projects {
        bar.set_message(slug.clone());
        let started = Instant::now();
        let line = match context.index_project(*id).await {
            Ok(summary) => format!(
                "{slug} : {} ({:.1} s)",
                describe(&summary),
                started.elapsed().as_secs_f64()
            ),
            Err(failure) => {
                failures += 1;
                format!("{slug} : échec : {failure}")
            }
        };
        bar.inc(1);
        bar.println(&line);
        if bar.is_hidden() {
            println!("{line}");
        }
    }
    bar.finish_and_clear();
    if failures > 0 {
        bail!(
            "{failures} dépôt(s) sur {} n'ont pas pu être indexés",
            projects.len()
        );
    }
    Ok(())
}

fn describe(summary: &IndexSummary) -> String {
    match summary {
        IndexSummary::Unchanged => "inchangé".to_string(),
        IndexSummary::Indexed {
            versions,
            readme,
            publiccode_valid,
        } => {
            let publiccode = match publiccode_valid {
                Some(true) => "publiccode.yml valide",
                Some(false) => "publiccode.yml avec erreurs",
                None => "sans publiccode.yml",
            };
            let readme = if *readme { "README" } else { "sans README" };
            format!("{versions} version(s), {readme}, {publiccode}")
        }
    }
}
