//! `digna recovery-key new` (the offline key backups seal pending responses to) and
//! `digna key rotate` (a new key pair for tablets to seal answers to).

use crate::privacy::seal::SealKey;
use crate::settings::Settings;
use crate::{command_line_actor, open_database};
use anyhow::bail;
use base64::{engine::general_purpose::STANDARD, Engine};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum RecoveryKeyCommand {
    /// Make the offline recovery key: its secret is printed once, for paper, and only
    /// its public half is stored. Backups seal their pending responses to it; `digna
    /// restore` asks for the secret to bring them back.
    New {
        /// Replace the existing recovery key (audited). Backups made before open only
        /// with the old secret: keep it as long as you keep them.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Replace the key pair tablets seal answers to. Tablets fetch the new public key
    /// as they next load the survey; the previous secret is kept, so what they sealed
    /// before still opens, until `digna key rotate --finish`. Restart Digna afterwards:
    /// a running server keeps the keys it read at its start.
    Rotate {
        /// Destroy the previous secret. Refused while an active tablet has delivered
        /// nothing since the day of the rotation (its queue may hold answers sealed to
        /// the old key), unless --force.
        #[arg(long)]
        finish: bool,
        /// With --finish: destroy it all the same; such queued answers are then refused.
        #[arg(long, requires = "finish")]
        force: bool,
    },
}

pub(super) async fn recovery_key(settings: Settings, command: RecoveryKeyCommand) -> anyhow::Result<()> {
    let RecoveryKeyCommand::New { replace } = command;
    let db = open_database(&settings).await?;
    if store::Backups::recovery_recipient(&db).await?.is_some() && !replace {
        bail!(
            "a recovery key exists already: backups made so far open only with its secret. Run again with \
             --replace to make a new one (keep the old secret as long as you keep backups made with it)"
        );
    }
    let (secret, recipient) = crate::backup::recovery::new_identity();
    let audit = |old: &Option<String>| {
        let (action, detail) = match old {
            Some(old) => ("recovery key replaced", format!("{recipient} replaces {old}")),
            None => ("recovery key made", recipient.clone()),
        };
        Some(store::audit::Entry::new(command_line_actor(), action, "recovery key", detail))
    };
    store::Backups::set_recovery_recipient(&db, &recipient, audit).await?;
    println!(
        "Recovery key made. Its secret, shown this once and stored nowhere:\n\n    {secret}\n\n\
         Write it on paper (or print this and delete any copy on screen or disk) and keep it offline, apart from \
         the backups. `digna restore` asks for it to bring back the pending responses a backup holds: without it \
         nobody can open them, you included; with it and a backup, anyone can.\n\
         Public half (stored in the database): {recipient}"
    );
    Ok(())
}

pub(super) async fn key(settings: Settings, command: KeyCommand) -> anyhow::Result<()> {
    let KeyCommand::Rotate { finish, force } = command;
    let db = open_database(&settings).await?;
    let path = &settings.key_file;
    let mut key = SealKey::load(path).map_err(|e| {
        anyhow::anyhow!("cannot read the key file {} ({e}): is DIGNA_KEY_FILE the server's?", path.display())
    })?;
    let now = chrono::Utc::now();
    if !finish {
        let old = STANDARD.encode(key.box_public_key());
        key.rotate_box(now.date_naive()).map_err(anyhow::Error::msg)?;
        key.save(path)?;
        let new = STANDARD.encode(key.box_public_key());
        let detail = format!("tablets' key {old} replaced by {new}; the previous secret is kept until --finish");
        store::AuditLog::audit(&db, &command_line_actor(), "key rotate", "tablet key", &detail).await?;
        println!(
            "New tablet key: {new}\nRestart Digna: tablets fetch the new key as they next load the survey. The previous \
             secret is kept, so answers sealed to it still open. Once every tablet has delivered on a later day, run \
             `digna key rotate --finish` to destroy it."
        );
        return Ok(());
    }
    let Some(replaced) = key.previous_box_replaced() else {
        println!("No rotation to finish: no previous key is kept.");
        return Ok(());
    };
    // Tablets whose last delivery (or enrollment) was on or before the rotation day.
    let days = (now.date_naive() - replaced).num_days() - 1;
    let waiting = store::Tablets::silent(&db, days, now).await?;
    if !waiting.is_empty() && !force {
        let names: Vec<String> = waiting.iter().map(|t| format!("tablet {} at {}", t.id, t.station_code)).collect();
        bail!(
            "{} active tablet(s) have delivered nothing since the rotation on {replaced} ({}): answers they queued \
             before may be sealed to the old key. Wait until they deliver, or revoke them, or run again with --force \
             (such answers are then refused)",
            waiting.len(),
            names.join(", ")
        );
    }
    key.finish_rotation();
    key.save(path)?;
    let detail = format!(
        "the tablets' key replaced on {replaced} destroyed{}",
        if waiting.is_empty() {
            String::new()
        } else {
            format!("; forced, {} tablet(s) had not delivered since", waiting.len())
        }
    );
    store::AuditLog::audit(&db, &command_line_actor(), "key rotate finished", "tablet key", &detail).await?;
    println!("The previous tablet key is destroyed. Restart Digna so that the running server forgets it too.");
    Ok(())
}
