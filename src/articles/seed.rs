//! The two demo editorials, registered on the first start of an empty database.

use chrono::Utc;

use crate::domain::articles::ArticleChanges;
use crate::storage::Store;

pub struct DemoEditorial {
    pub id: &'static str,
    /// First line: the title; then paragraphs separated by blank lines.
    pub text: &'static str,
}

pub const DEMO_EDITORIALS: &[DemoEditorial] = &[
    DemoEditorial {
        id: "putin-north-korea-signal",
        text: include_str!("../../seeds/putin-north-korea-signal.txt"),
    },
    DemoEditorial {
        id: "putin-gorbachev-path",
        text: include_str!("../../seeds/putin-gorbachev-path.txt"),
    },
];

impl DemoEditorial {
    pub fn title(&self) -> &'static str {
        self.text.lines().next().unwrap_or_default().trim()
    }

    pub fn paragraphs(&self) -> impl Iterator<Item = &'static str> {
        self.text
            .split("\n\n")
            .skip(1)
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    pub fn find(id: &str) -> Option<&'static DemoEditorial> {
        DEMO_EDITORIALS.iter().find(|e| e.id == id)
    }
}

const SEEDED_KEY: &str = "demo_editorials_seeded";

/// Seeds once per database: editorials a newsroom later removes stay removed.
pub async fn seed_demo_editorials(store: &dyn Store) -> anyhow::Result<()> {
    if store.meta(SEEDED_KEY).await?.is_some() {
        return Ok(());
    }
    for editorial in DEMO_EDITORIALS {
        let changes = ArticleChanges {
            title: editorial.title().to_owned(),
            url: format!("/editorials/{}", editorial.id),
            published_at: None,
            comments_open: None,
            premoderation: None,
        };
        store.upsert_article(editorial.id, &changes, None).await?;
    }
    store.set_meta(SEEDED_KEY, &Utc::now().to_rfc3339()).await?;
    tracing::info!(count = DEMO_EDITORIALS.len(), "demo editorials registered");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_editorials_have_their_real_titles_and_text() {
        let signal = DemoEditorial::find("putin-north-korea-signal").unwrap();
        assert_eq!(
            signal.title(),
            "Putin must not send the wrong signal to North Korea"
        );
        assert!(signal.paragraphs().count() >= 5);
        let path = DemoEditorial::find("putin-gorbachev-path").unwrap();
        assert_eq!(
            path.title(),
            "Putin must take Gorbachev’s path, not Stalin's"
        );
    }
}
