//! Minimal edits of `config.toml`. The user's file keeps its comments, order and spacing:
//! a new `[imports.NAME]` table is appended, and the result is parsed again and compared
//! with the original plus the new import, so an edit can never change anything else.

use toml::Value;

/// `text` with `[imports.NAME] url = URL` appended. Fails when the file is not valid TOML,
/// already imports `name`, or `name` is empty.
pub fn add_import(text: &str, name: &str, url: &str) -> Result<String, String> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(format!("`{name}` is not a usable import name"));
    }
    let mut expected: toml::Table =
        toml::from_str(text).map_err(|error| format!("config.toml is not valid TOML: {error}"))?;
    let imports = expected
        .entry("imports")
        .or_insert_with(|| Value::Table(toml::Table::new()));
    let Value::Table(imports) = imports else {
        return Err("config.toml has an `imports` key that is not a table".to_owned());
    };
    if imports.contains_key(name) {
        return Err(format!("config.toml already imports `{name}`"));
    }
    let mut import = toml::Table::new();
    import.insert("url".to_owned(), Value::String(url.to_owned()));
    imports.insert(name.to_owned(), Value::Table(import));

    let mut edited = text.to_owned();
    if !edited.is_empty() && !edited.ends_with('\n') {
        edited.push('\n');
    }
    edited.push_str(&format!(
        "\n[imports.{}]\nurl = {}\n",
        key(name),
        Value::String(url.to_owned())
    ));
    let reparsed: toml::Table = toml::from_str(&edited)
        .map_err(|error| format!("appending the import would break config.toml: {error}"))?;
    if reparsed != expected {
        return Err(
            "appending the import would change other settings of config.toml (is `imports` defined inline?)"
                .to_owned(),
        );
    }
    Ok(edited)
}

/// A table key as TOML writes it: bare when it can be, quoted otherwise.
fn key(name: &str) -> String {
    let bare = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        name.to_owned()
    } else {
        Value::String(name.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "# our cargo-vet config\n\n[cargo-vet]\nversion = \"0.10\"\n\n[[exemptions.foo]]\nversion = \"1.0.0\" # why\ncriteria = \"safe-to-deploy\"\n";

    #[test]
    fn appends_and_keeps_everything_else_byte_for_byte() {
        let edited = add_import(CONFIG, "mozilla", "https://example.org/audits.toml").unwrap();
        assert!(edited.starts_with(CONFIG));
        assert_eq!(
            &edited[CONFIG.len()..],
            "\n[imports.mozilla]\nurl = \"https://example.org/audits.toml\"\n"
        );
        let twice = add_import(&edited, "mozilla", "https://other.example/a.toml");
        assert!(twice.unwrap_err().contains("already imports"));
    }

    #[test]
    fn quotes_names_and_urls_that_need_it() {
        let edited = add_import("", "peer.org", "https://e.org/\"odd\".toml").unwrap();
        let table: toml::Table = toml::from_str(&edited).unwrap();
        assert_eq!(
            table["imports"]["peer.org"]["url"].as_str(),
            Some("https://e.org/\"odd\".toml")
        );
        assert!(edited.contains("[imports.\"peer.org\"]"));
    }

    #[test]
    fn refuses_what_an_append_cannot_express() {
        let inline = "imports = { a = { url = \"https://a\" } }\n";
        assert!(add_import(inline, "b", "https://b").is_err());
        assert!(add_import("not toml = = 1", "b", "https://b").is_err());
        assert!(add_import("", " ", "https://b").is_err());
    }
}
