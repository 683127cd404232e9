//! The vocabulary of municipal software the corpus is written in: one domain per category
//! (how its software is named and what it handles), and the sentences READMEs are made of.
//! A data table: long, and nothing else.

/// One domain of municipal activity: how projects in it are named and what they handle.
pub struct Domain {
    pub slug: &'static str,
    /// How often it is a project's main category, relative to the others.
    pub weight: usize,
    /// Name roots: openElec, webDélib…
    pub roots: &'static [&'static str],
    /// What its software handles, with the partitive article: "des listes électorales".
    pub objects: &'static [&'static str],
}

pub const DOMAINS: &[Domain] = &[
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
pub const PREFIXES: &[&str] = &[
    "open", "web", "i", "e-", "Libre ", "Civi", "Mairie ", "Gest", "", "Commun ", "Mon ", "As",
];
pub const SUFFIXES: &[&str] = &[" Pro", " NG", " 2", " Cloud", " Lite", " Plus"];
/// Syllables of invented words that make names distinct.
pub const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "vo", "zu", "bel", "dor", "fin", "gal", "mar", "nor", "pel",
    "sol", "tur", "vin", "ca", "ro", "li", "sa", "né", "ber", "mont", "val",
];
/// How summaries start.
pub const ACTIONS: &[&str] = &[
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
pub const DOMAIN_SENTENCES: &[&str] = &[
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
pub const GENERIC_SENTENCES: &[&str] = &[
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
pub const LICENSES: &[Option<&str>] = &[
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
pub const RARE_SENTENCE: &str =
    "Un module optionnel gère les concessions de l'ostréiculture sur le domaine public maritime.";
/// One project in this many has the rare word.
pub const RARE_EVERY: usize = 9_973;
