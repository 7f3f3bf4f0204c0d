//! `digna language enable` and `digna language disable`: which languages visitors are offered.

use crate::settings::Settings;
use crate::{command_line_actor, open_database};
use clap::Subcommand;
use domain::Language;

#[derive(Subcommand, Debug)]
pub enum LanguageCommand {
    /// Offer a language (es, qu, ay, en) to visitors; every survey text must exist in it.
    Enable { lang: String },
    /// Stop offering a language to visitors.
    Disable { lang: String },
}

pub(super) async fn language(settings: Settings, command: LanguageCommand) -> anyhow::Result<()> {
    let (lang, enable) = match command {
        LanguageCommand::Enable { lang } => (lang, true),
        LanguageCommand::Disable { lang } => (lang, false),
    };
    let lang = Language::parse(lang.trim()).map_err(anyhow::Error::msg)?;
    let db = open_database(&settings).await?;
    set_language(&db, lang, enable).await
}

/// The same check and audit line as the admin console's languages form.
async fn set_language(db: &crate::Db, lang: Language, enable: bool) -> anyhow::Result<()> {
    use store::survey::LanguageChange;
    let outcome = store::Surveys::offer_language(db, lang, enable, &command_line_actor()).await?;
    if let Some(refusal) = crate::web::admin_survey::language_refusal(crate::web::layout::Lang::En, lang, &outcome) {
        anyhow::bail!("{refusal}");
    }
    if enable {
        let version = store::Surveys::current_version(db).await?.unwrap_or(0);
        let unreviewed = store::Surveys::texts_needing_review(db, version, lang).await?;
        if unreviewed > 0 {
            eprintln!(
                "warning: {unreviewed} texts in {} ({lang}) are drafts not yet reviewed by a native speaker",
                lang.native_name()
            );
        }
        let (approved, prompts) = crate::voices::catalog::Catalog::load(db).await?.coverage(lang);
        if approved < prompts {
            eprintln!(
                "warning: {approved} of {prompts} texts in {} ({lang}) have an approved recorded voice: a visitor \
                 who cannot read will not hear every screen (record them under Administración → Voces)",
                lang.native_name()
            );
        }
    }
    let state = if enable { "offered" } else { "not offered" };
    match outcome {
        LanguageChange::Unchanged => println!("{} ({lang}) was already {state} for visitors.", lang.native_name()),
        _ => println!("{} ({lang}) is now {state} for visitors.", lang.native_name()),
    }
    Ok(())
}
