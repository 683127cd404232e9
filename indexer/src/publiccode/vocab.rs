//! Controlled vocabularies of the standard (categories, scopes) and the code lists it relies
//! on (ISO 3166-1 countries, ISO 639 languages), with the checks built on them.

/// The standard's category list (docs/standard/categories-list.rst), plus `other`.
pub(crate) const CATEGORIES: &[&str] = &[
    "accounting",
    "agile-project-management",
    "applicant-tracking",
    "application-development",
    "appointment-scheduling",
    "backup",
    "billing-and-invoicing",
    "blog",
    "budgeting",
    "business-intelligence",
    "business-process-management",
    "cad",
    "call-center-management",
    "cloud-management",
    "collaboration",
    "communications",
    "compliance-management",
    "contact-management",
    "content-management",
    "crm",
    "customer-service-and-support",
    "data-analytics",
    "data-collection",
    "data-visualization",
    "design",
    "design-system",
    "digital-asset-management",
    "digital-citizenship",
    "document-management",
    "donor-management",
    "e-commerce",
    "e-signature",
    "educational-content",
    "email-management",
    "email-marketing",
    "employee-management",
    "enterprise-project-management",
    "enterprise-social-networking",
    "erp",
    "event-management",
    "facility-management",
    "feedback-and-reviews-management",
    "financial-reporting",
    "fleet-management",
    "fundraising",
    "gamification",
    "geographic-information-systems",
    "grant-management",
    "graphic-design",
    "help-desk",
    "hr",
    "ide",
    "identity-management",
    "instant-messaging",
    "integrated-library-system",
    "inventory-management",
    "it-asset-management",
    "it-development",
    "it-management",
    "it-security",
    "it-service-management",
    "knowledge-management",
    "learning-management-system",
    "marketing",
    "mind-mapping",
    "mobile-marketing",
    "mobile-payment",
    "network-management",
    "office",
    "online-booking",
    "online-community",
    "other",
    "payment-gateway",
    "payroll",
    "predictive-analysis",
    "procurement",
    "productivity-suite",
    "project-collaboration",
    "project-management",
    "property-management",
    "real-estate-management",
    "regulations-and-directives",
    "remote-support",
    "resource-management",
    "sales-management",
    "seo",
    "service-desk",
    "social-media-management",
    "survey",
    "talent-management",
    "task-management",
    "taxes-management",
    "test-management",
    "time-management",
    "time-tracking",
    "translation",
    "video-conferencing",
    "video-editing",
    "visitor-management",
    "voip",
    "warehouse-management",
    "web-collaboration",
    "web-conferencing",
    "website-builder",
    "whistleblowing",
    "workflow-management",
];

/// The standard's scope list (docs/standard/scope-list.rst).
pub(crate) const SCOPES: &[&str] = &[
    "agriculture",
    "culture",
    "defence",
    "education",
    "emergency-services",
    "employment",
    "energy",
    "environment",
    "finance-and-economic-development",
    "foreign-affairs",
    "government",
    "healthcare",
    "infrastructures",
    "justice",
    "local-authorities",
    "manufacturing",
    "research",
    "science-and-technology",
    "security",
    "society",
    "sport",
    "tourism",
    "transportation",
    "welfare",
];

pub(crate) const DEVELOPMENT_STATUSES: &[&str] =
    &["concept", "development", "beta", "stable", "obsolete"];

pub(crate) const SOFTWARE_TYPES: &[&str] = &[
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
];

pub(crate) const MAINTENANCE_TYPES: &[&str] = &["internal", "contract", "community", "none"];

/// ISO 3166-1 alpha-2 codes (officially assigned), upper case, two letters each.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY \
    CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN \
    GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH \
    KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO \
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL \
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV \
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN \
    VU WF WS YE YT ZA ZM ZW";

/// Whether `code` is an ISO 3166-1 alpha-2 code in upper case.
pub(crate) fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code)
}

/// ISO 639-1 two-letter language codes.
const LANGUAGES_2: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca \
    ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu \
    gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko \
    kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl \
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn \
    so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo \
    xh yi yo za zh zu";

/// Three-letter ISO 639-2/3 codes accepted as primary language subtags. A subset: the
/// regional and minority languages of Europe that public software is translated into.
const LANGUAGES_3: &str = "ast bar cpf csb dsb eml fil frp frr fur gsw hsb lad lij lld lmo ltg \
    mwl nap nds pcd pms rup sah scn sco sdc srd szl vec vls wae wln yue zea";

/// Whether `tag` is a well-formed BCP 47 language tag whose primary language is a known
/// ISO 639 code (`fr`, `en-GB`, `sl-IT-nedis`, `zh-Hant-TW`). POSIX forms like `en_GB` are
/// not BCP 47 and are rejected, as the reference parser does.
pub(crate) fn is_bcp47(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(language) = parts.next() else {
        return false;
    };
    let language = language.to_ascii_lowercase();
    let known = match language.len() {
        2 => LANGUAGES_2.split_whitespace().any(|l| l == language),
        3 => LANGUAGES_3.split_whitespace().any(|l| l == language),
        _ => false,
    };
    if !known {
        return false;
    }
    // Then, in order: optional script (4 letters), optional region (2 letters or 3 digits),
    // any number of variants (5-8 alphanumerics, or a digit and 3 alphanumerics), and
    // extensions or private use introduced by a singleton.
    let mut stage = 0;
    let mut rest = parts.peekable();
    while let Some(part) = rest.next() {
        let alpha = part.chars().all(|c| c.is_ascii_alphabetic());
        let alnum = part.chars().all(|c| c.is_ascii_alphanumeric());
        let digits = part.chars().all(|c| c.is_ascii_digit());
        if !alnum || part.is_empty() {
            return false;
        }
        if stage < 1 && part.len() == 4 && alpha {
            stage = 1;
        } else if stage < 2 && ((part.len() == 2 && alpha) || (part.len() == 3 && digits)) {
            stage = 2;
        } else if (5..=8).contains(&part.len())
            || (part.len() == 4 && part.starts_with(|c: char| c.is_ascii_digit()))
        {
            stage = 3;
        } else if part.len() == 1 {
            // Extension or private use: the remaining subtags are 1-8 alphanumerics.
            return rest.peek().is_some()
                && rest.all(|p| {
                    (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
                });
        } else {
            return false;
        }
    }
    true
}

/// URL patterns of the video hosts that support oEmbed (a subset of oembed.com/providers.json,
/// which the reference parser matches `videos` against, without any network access).
const OEMBED_PREFIXES: &[&str] = &[
    "https://www.youtube.com/watch",
    "https://youtube.com/watch",
    "https://m.youtube.com/watch",
    "https://www.youtube.com/embed/",
    "https://www.youtube.com/v/",
    "https://www.youtube.com/shorts/",
    "https://youtu.be/",
    "https://www.youtube-nocookie.com/embed/",
    "https://vimeo.com/",
    "https://player.vimeo.com/video/",
    "https://www.dailymotion.com/video/",
    "https://dai.ly/",
    "https://www.loom.com/share/",
    "https://www.ted.com/talks/",
    "https://www.facebook.com/",
    "https://fb.watch/",
    "https://www.twitch.tv/",
    "https://clips.twitch.tv/",
    "https://www.kickstarter.com/projects/",
    "https://wistia.com/medias/",
    "https://fast.wistia.com/embed/",
];

/// Whether a video URL belongs to a known oEmbed provider. PeerTube instances are too many to
/// list: their `/videos/watch/` and `/w/` paths are accepted on any host.
pub(crate) fn is_oembed_video(url: &str) -> bool {
    let http = url.replacen("http://", "https://", 1);
    OEMBED_PREFIXES.iter().any(|p| http.starts_with(p))
        || url::Url::parse(url).is_ok_and(|u| {
            let path = u.path();
            path.starts_with("/videos/watch/") || path.starts_with("/w/")
        })
}

/// The `supports` aliases of the standard (docs/standard/aliases-list.rst) known to civiforge.
pub(crate) const SUPPORT_ALIASES: &[&str] = &[
    "alias:gdpr",
    "alias:spid",
    "alias:cie",
    "alias:pagopa",
    "alias:anpr",
    "alias:io",
    "alias:eidas",
    "alias:nis2",
    "alias:ai-act",
    "alias:accessibility-act",
    "alias:wcag-2.1",
    "alias:wcag-2.2",
    "alias:en-301-549",
    "alias:ogc",
    "alias:inspire",
];

/// Whether `code` has the form of an Italian iPA code (lower-case letters, digits and
/// underscores). The registry itself (about 23,000 codes) is not embedded: see the tests'
/// documented exceptions.
pub(crate) fn is_ipa_code_form(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `value` is a MIME type (`type/subtype`, RFC 6838 token characters).
pub(crate) fn is_mime_type(value: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    matches!(essence.split_once('/'), Some((t, s)) if token(t) && token(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcp47() {
        for ok in [
            "fr",
            "en-GB",
            "sl-IT-nedis",
            "zh-Hant-TW",
            "es-419",
            "fur",
            "de-CH-1996",
        ] {
            assert!(is_bcp47(ok), "{ok}");
        }
        for bad in [
            "en_GB",
            "xxx",
            "no such language",
            "hr_HR",
            "",
            "e",
            "en-",
            "english",
        ] {
            assert!(!is_bcp47(bad), "{bad}");
        }
    }

    #[test]
    fn countries_and_mime() {
        assert!(is_country("FR"));
        assert!(!is_country("XX"));
        assert!(is_mime_type("application/json"));
        assert!(is_mime_type("image/svg+xml"));
        assert!(!is_mime_type("foobar"));
    }
}
