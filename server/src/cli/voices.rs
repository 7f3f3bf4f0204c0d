//! `digna voices export|import`: a set of recordings moved between installations (a
//! ministry records once, every station imports). One JSON file: each recording's
//! language, key, the words it reads, the survey version, whether it was approved, its
//! SHA-256 and its sound. On import every hash is checked and every sound read again as
//! an upload is, before anything is written; then all are written in one transaction.

use crate::voices::audio::normalize;
use crate::{command_line_actor, open_database};
use base64::Engine;
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::voices::VoiceFile;
use store::Voices;

/// What a file of recordings says it is.
const FORMAT: &str = "digna-voices-1";

#[derive(Subcommand, Debug)]
pub enum VoicesCommand {
    /// Write every recording (approved or not) to a file, such as voces-quechua.json.
    Export {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Read recordings from a file written by `digna voices export`; each replaces this
    /// installation's recording of its language and text. Approved ones stay approved;
    /// one whose words differ from this survey's shows "the text changed" for review.
    Import {
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

#[derive(Serialize, Deserialize)]
struct VoicesFile {
    format: String,
    recordings: Vec<Recording>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recording {
    language: String,
    text_key: String,
    text: String,
    survey_version: i64,
    approved: bool,
    millis: i64,
    sha256: String,
    /// The Ogg Opus sound, base64.
    audio: String,
}

pub(super) async fn voices(settings: crate::settings::Settings, command: VoicesCommand) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    match command {
        VoicesCommand::Export { out } => export(&db, &out).await,
        VoicesCommand::Import { from } => import(&db, &from).await,
    }
}

async fn export(db: &crate::Db, out: &std::path::Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!("{} exists: choose another file (an export never overwrites one)", out.display());
    }
    let files = db.voice_files().await?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let recordings = files
        .iter()
        .map(|f| Recording {
            language: f.language.clone(),
            text_key: f.text_key.clone(),
            text: f.text.clone(),
            survey_version: f.survey_version,
            approved: f.approved,
            millis: f.millis,
            sha256: f.sha256.clone(),
            audio: b64.encode(&f.audio),
        })
        .collect();
    let body = serde_json::to_vec_pretty(&VoicesFile { format: FORMAT.into(), recordings })?;
    std::fs::write(out, body)?;
    let approved = files.iter().filter(|f| f.approved).count();
    println!("Wrote {} recordings ({approved} approved) to {}.", files.len(), out.display());
    Ok(())
}

/// Checks one recording of a file: the `n`th.
fn check(n: usize, r: Recording) -> anyhow::Result<VoiceFile> {
    let at = |what: String| anyhow::anyhow!("recording {n} ({} {}): {what}", r.language, r.text_key);
    domain::Language::parse(&r.language).map_err(&at)?;
    if r.text_key.is_empty() || r.text_key.len() > 200 {
        return Err(at("its key must be 1 to 200 characters".into()));
    }
    let audio = base64::engine::general_purpose::STANDARD
        .decode(&r.audio)
        .map_err(|e| at(format!("its sound is not base64: {e}")))?;
    let sha = domain::hex(&Sha256::digest(&audio));
    if sha != r.sha256 {
        return Err(at(format!("its sound's SHA-256 is {sha}, not {} as the file says", r.sha256)));
    }
    let clip = normalize(&audio).map_err(|e| at(e.to_string()))?;
    if clip.ogg != audio {
        return Err(at("its sound is not a recording as Digna keeps it (export it from Digna)".into()));
    }
    Ok(VoiceFile {
        language: r.language,
        text_key: r.text_key,
        text: r.text,
        survey_version: r.survey_version,
        audio,
        sha256: sha,
        millis: i64::from(clip.millis),
        approved: r.approved,
    })
}

async fn import(db: &crate::Db, from: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", from.display()))?;
    let file: VoicesFile = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!("{} is not a file of recordings from `digna voices export`: {e}", from.display())
    })?;
    if file.format != FORMAT {
        anyhow::bail!("{} is of format {:?}; this release reads {FORMAT:?}", from.display(), file.format);
    }
    let total = file.recordings.len();
    let mut checked = Vec::with_capacity(total);
    for (n, r) in file.recordings.into_iter().enumerate() {
        checked.push(check(n + 1, r)?);
        eprint!("\rchecked {}/{total}", n + 1);
    }
    if total > 0 {
        eprintln!();
    }
    let audit =
        store::audit::Entry::new(command_line_actor(), "voice.import", total.to_string(), from.display().to_string());
    db.import_voices(&checked, chrono::Utc::now().timestamp(), &audit).await?;
    let catalog = crate::voices::catalog::Catalog::load(db).await?;
    let review =
        catalog.languages.values().flatten().filter(|l| l.status == crate::voices::catalog::Status::Changed).count();
    println!("Imported {total} recordings from {}.", from.display());
    if review > 0 {
        println!("{review} of them read words this survey no longer shows: listen and approve them again under Administración → Voces.");
    }
    Ok(())
}
