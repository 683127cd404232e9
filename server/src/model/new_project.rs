//! A project as registered: mirrored from its repository, or hosted on civiforge.

/// A project as registered, already validated. Its repository comes only from a location
/// the URL policy accepted, so that every way in (a form, the API, an import) stores the
/// canonical spelling that the uniqueness check compares.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub slug: String,
    pub name: String,
    pub summary: String,
    repository_url: String,
    repository_twin: Option<String>,
    pub categories: Vec<String>,
    /// A project whose repository lives on civiforge, imported once from this address when
    /// given; none for a mirrored one.
    pub hosted: Option<Hosted>,
}

/// A hosted project's origin.
#[derive(Debug, Clone)]
pub struct Hosted {
    /// The address its first content is fetched from, once (checked like any repository).
    pub imported_from: Option<String>,
}

impl NewProject {
    pub fn new(
        slug: String,
        name: String,
        summary: String,
        repository: &civiforge_indexer::RepositoryLocation,
        categories: Vec<String>,
    ) -> NewProject {
        let mut spellings = repository.spellings().into_iter();
        NewProject {
            slug,
            name,
            summary,
            repository_url: spellings.next().unwrap_or_default(),
            repository_twin: spellings.next(),
            categories,
            hosted: None,
        }
    }

    /// A project whose repository lives on civiforge at `home` (its own `/git/` address),
    /// empty or imported once from `imported_from`.
    pub fn hosted(
        slug: String,
        name: String,
        summary: String,
        home: String,
        imported_from: Option<&civiforge_indexer::RepositoryLocation>,
        categories: Vec<String>,
    ) -> NewProject {
        NewProject {
            slug,
            name,
            summary,
            repository_url: home,
            repository_twin: None,
            categories,
            hosted: Some(Hosted {
                imported_from: imported_from.map(|location| location.as_string()),
            }),
        }
    }

    /// The canonical spelling (`RepositoryLocation::as_string`).
    pub fn repository_url(&self) -> &str {
        &self.repository_url
    }

    /// The other spelling a project may hold the same repository under (`/x` for `/x.git`).
    pub fn repository_twin(&self) -> Option<&str> {
        self.repository_twin.as_deref()
    }
}
