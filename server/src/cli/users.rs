//! `digna user create` and `digna user reset-password`: staff accounts.

use crate::command_line_actor;
use anyhow::Context;
use clap::Subcommand;
use domain::{Email, Name, Password, Role, StationCode};
use store::accounts::Grants;
use store::audit::Entry;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a staff account. Without --password-stdin a strong password is generated
    /// and printed once.
    Create {
        /// Her email, which she signs in with.
        #[arg(long)]
        email: String,
        /// admin (everything), supervisor (dashboards of her stations and regions) or
        /// researcher (exports and aggregate dashboards of her scope).
        #[arg(long)]
        role: String,
        /// A station she may see, by code (repeatable).
        #[arg(long = "station")]
        stations: Vec<String>,
        /// A region whose stations she may see (repeatable).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account (generated and printed unless --password-stdin).
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turn off an account's two-step verification (a lost phone, or a database restored
    /// under another key file): her sessions end, her recovery codes go, and she sets it
    /// up again at her next sign-in if her role requires it.
    ResetTwoFactor {
        #[arg(long)]
        email: String,
    },
}

/// The password from standard input, or a new random one to print.
fn password_from(stdin: bool) -> anyhow::Result<(Password, bool)> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
        let line = line.trim_end_matches(['\n', '\r']);
        return Ok((Password::parse(line).map_err(anyhow::Error::msg)?, false));
    }
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    Ok((Password::parse(&s).map_err(anyhow::Error::msg)?, true))
}

pub(super) async fn run_user(db: &crate::Db, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { email, role, stations, regions, password_stdin } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            if role == Role::Admin && !(stations.is_empty() && regions.is_empty()) {
                anyhow::bail!("an admin sees every station: leave out --station and --region");
            }
            let mut grants = Grants::default();
            for code in &stations {
                let code = StationCode::parse(code).map_err(|e| anyhow::anyhow!("--station: {e}"))?;
                if store::Stations::by_code(db, code.as_ref()).await?.is_none() {
                    anyhow::bail!("--station: no station has code {code}; add it with `digna station add`");
                }
                grants.stations.push(code.to_string());
            }
            for region in &regions {
                let region = Name::parse("--region", region, 100).map_err(anyhow::Error::msg)?;
                grants.regions.push(region.as_ref().to_string());
            }
            if role != Role::Admin && grants.stations.is_empty() && grants.regions.is_empty() {
                eprintln!("warning: a {role} with no --station or --region sees no station yet");
            }
            let (password, generated) = password_from(password_stdin)?;
            let hash = crate::auth::hash_password(&password).await?;
            let mut scope: Vec<String> = grants.stations.iter().map(|s| format!("s:{s}")).collect();
            scope.extend(grants.regions.iter().map(|r| format!("r:{r}")));
            let scope = if role == Role::Admin { "all".to_string() } else { scope.join(", ") };
            let detail = format!("role: {role}; scope: {scope}");
            let audit = Entry::new(command_line_actor(), "account.create", email.as_ref(), detail);
            if store::Accounts::create(db, &email, role, &hash, &grants, &audit).await?.is_none() {
                anyhow::bail!("an account with email {email} already exists; use `digna user reset-password`");
            }
            println!("Account {email} created ({role}).");
            if role.requires_two_factor() {
                println!("She sets up two-step verification at her first sign-in.");
            }
            if generated {
                println!("Password (shown once):");
                println!("{}", password.expose());
            }
            Ok(())
        }
        UserCommand::ResetPassword { email, password_stdin } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let (password, generated) = password_from(password_stdin)?;
            let hash = crate::auth::hash_password(&password).await?;
            let detail = "password set on the command line";
            let audit = Entry::new(command_line_actor(), "account.reset", email.as_ref(), detail);
            if !store::Accounts::set_password(db, &email, &hash, &audit).await? {
                anyhow::bail!("no account has email {email}");
            }
            println!("New password set for {email}.");
            if generated {
                println!("Password (shown once):");
                println!("{}", password.expose());
            }
            Ok(())
        }
        UserCommand::ResetTwoFactor { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let detail = "two-step verification turned off on the command line";
            let audit = Entry::new(command_line_actor(), "account.two_factor", email.as_ref(), detail);
            if !store::Accounts::clear_totp(db, &email, &audit).await? {
                anyhow::bail!("no account has email {email}");
            }
            println!("Two-step verification is off for {email}; her sessions have ended.");
            Ok(())
        }
    }
}
