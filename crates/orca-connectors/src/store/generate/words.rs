//! The generator's word lists: product areas and their case titles, case owners, incident
//! symptoms, feature requests, work item components, and the parts of synthetic customer names.
//! They are text files under `data/words/`, compiled in and parsed once.
//!
//! Invariant: every list holds at least one word and keeps the order of its file (the generator
//! draws by position, so the order is part of what a seed reproduces).

use std::sync::LazyLock;

/// A Purview product area.
#[derive(Debug)]
pub(crate) struct ProductArea {
    /// As in case ProductArea and incident titles ("Sensitivity Labels").
    pub(crate) name: &'static str,
    /// As in work item AreaPath (`Purview\InformationProtection\...`) and owning teams.
    pub(crate) path_key: &'static str,
    pub(crate) case_titles: Vec<&'static str>,
}

/// Every word list, in the order of its file.
#[derive(Debug)]
pub(crate) struct Words {
    pub(crate) product_areas: Vec<ProductArea>,
    pub(crate) case_owners: Vec<&'static str>,
    pub(crate) incident_symptoms: Vec<&'static str>,
    pub(crate) feature_requests: Vec<&'static str>,
    pub(crate) work_item_components: Vec<&'static str>,
    pub(crate) name_prefixes: Vec<&'static str>,
    pub(crate) name_cores: Vec<&'static str>,
    pub(crate) name_suffixes: Vec<&'static str>,
    pub(crate) regions: Vec<&'static str>,
}

/// The word lists, parsed on first use.
pub(crate) fn words() -> &'static Words {
    static WORDS: LazyLock<Words> =
        LazyLock::new(|| Words::parse().expect("the word lists in data/words/ are valid"));
    &WORDS
}

/// The product area whose AreaPath key (`Purview\{key}\...`) the demo data writes is `key`
/// (`InformationProtection` is "Sensitivity Labels"); `None` for other keys.
pub(crate) fn area_of_path_key(key: &str) -> Option<&'static str> {
    words()
        .product_areas
        .iter()
        .find(|area| area.path_key == key)
        .map(|area| area.name)
}

macro_rules! word_file {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../data/words/", $name)))
    };
}

/// A word file: (name, text).
type WordFile = (&'static str, &'static str);

impl Words {
    fn parse() -> Result<Words, String> {
        Ok(Words {
            product_areas: product_areas(word_file!("product_areas.txt"))?,
            case_owners: list(word_file!("case_owners.txt"))?,
            incident_symptoms: list(word_file!("incident_symptoms.txt"))?,
            feature_requests: list(word_file!("feature_requests.txt"))?,
            work_item_components: list(word_file!("work_item_components.txt"))?,
            name_prefixes: list(word_file!("customer_name_prefixes.txt"))?,
            name_cores: list(word_file!("customer_name_cores.txt"))?,
            name_suffixes: list(word_file!("customer_name_suffixes.txt"))?,
            regions: list(word_file!("regions.txt"))?,
        })
    }
}

/// The lines that hold words: trimmed, without blank lines and `#` comments.
fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// One word (or phrase) per line.
fn list((name, text): WordFile) -> Result<Vec<&'static str>, String> {
    let words: Vec<&str> = lines(text).collect();
    if words.is_empty() {
        return Err(format!("{name} holds no words"));
    }
    Ok(words)
}

/// `<name> | <AreaPath key>` opens an area; the `- <case title>` lines under it are its titles.
fn product_areas((name, text): WordFile) -> Result<Vec<ProductArea>, String> {
    let mut areas: Vec<ProductArea> = Vec::new();
    for line in lines(text) {
        if let Some(title) = line.strip_prefix("- ") {
            let Some(area) = areas.last_mut() else {
                return Err(format!("{name}: case title {title:?} before any area"));
            };
            area.case_titles.push(title.trim());
        } else if let Some((area, path_key)) = line.split_once('|') {
            areas.push(ProductArea {
                name: area.trim(),
                path_key: path_key.trim(),
                case_titles: Vec::new(),
            });
        } else {
            return Err(format!(
                "{name}: {line:?} is neither `<name> | <key>` nor `- <title>`"
            ));
        }
    }
    if areas.is_empty() {
        return Err(format!("{name} holds no product areas"));
    }
    if let Some(area) = areas.iter().find(|area| area.case_titles.is_empty()) {
        return Err(format!("{name}: {} has no case titles", area.name));
    }
    Ok(areas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_word_lists_parse() {
        let words = Words::parse().unwrap();
        assert_eq!(words.product_areas.len(), 8);
        assert_eq!(words.product_areas[0].name, "DLP");
        assert_eq!(words.case_owners.len(), 24);
        assert!(words.case_owners.contains(&"Tomás Silva"));
        assert_eq!(
            words.name_suffixes,
            ["Group", "Inc.", "Partners", "Holdings", "Ltd", "Co."]
        );
        assert_eq!(words.work_item_components, ["Service", "Client", "Portal"]);
        assert_eq!(words.regions, ["NA", "EMEA", "APAC", "LATAM"]);
    }

    #[test]
    fn area_path_keys_name_their_areas() {
        assert_eq!(
            area_of_path_key("InformationProtection"),
            Some("Sensitivity Labels")
        );
        assert_eq!(area_of_path_key("DataLifecycle"), Some("Retention"));
        assert_eq!(area_of_path_key("Nowhere"), None);
    }

    #[test]
    fn malformed_word_files_are_refused() {
        assert!(product_areas(("x", "- title first\nDLP | DLP\n")).is_err());
        assert!(product_areas(("x", "DLP | DLP\n")).is_err());
        assert!(product_areas(("x", "DLP\n- title\n")).is_err());
        assert!(list(("x", "# only a comment\n\n")).is_err());
        let areas = product_areas(("x", "# c\nA | a\n- one\n\nB|b\n- two\n- three\n")).unwrap();
        assert_eq!(areas[1].path_key, "b");
        assert_eq!(areas[1].case_titles, ["two", "three"]);
    }
}
