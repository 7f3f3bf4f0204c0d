//! E-mail over SMTP: the settings (`DIGNA_SMTP_*`, the password from a file or the
//! environment, never logged), the connection (STARTTLS or TLS with rustls; plain only
//! when asked for, for a mail catcher on the same machine), and sending one letter.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How long one SMTP conversation may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: only for a mail catcher on the same machine (port 25 by default).
    None,
}

impl Security {
    pub fn parse(s: &str) -> Result<Security, String> {
        match s.trim() {
            "starttls" => Ok(Security::StartTls),
            "tls" => Ok(Security::Tls),
            "none" => Ok(Security::None),
            other => Err(format!("DIGNA_SMTP_SECURITY must be starttls, tls or none, not {other:?}")),
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// Where and how e-mail is sent.
#[derive(Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The sender, as `Digna <digna@example.org>` or a bare address.
    pub from: Mailbox,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, String)>,
    /// A certificate (PEM) to trust besides the usual authorities: a private CA's, or the
    /// mail server's own.
    pub ca_file: Option<std::path::PathBuf>,
    /// The address staff reach Digna at, for the links in messages (no trailing slash).
    pub public_url: String,
}

impl fmt::Debug for MailSettings {
    /// Everything but the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.to_string())
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("ca_file", &self.ca_file)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl MailSettings {
    /// Reads `DIGNA_SMTP_HOST` (without it, no e-mail), `DIGNA_SMTP_PORT`,
    /// `DIGNA_SMTP_SECURITY`, `DIGNA_SMTP_FROM`, `DIGNA_SMTP_USER`, `DIGNA_SMTP_PASSWORD` or
    /// `DIGNA_SMTP_PASSWORD_FILE`, `DIGNA_SMTP_CA_FILE` and `DIGNA_PUBLIC_URL`, through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<MailSettings>> {
        let Some(host) = var("DIGNA_SMTP_HOST") else { return Ok(None) };
        let security = Security::parse(&var("DIGNA_SMTP_SECURITY").unwrap_or_else(|| "starttls".into()))
            .map_err(anyhow::Error::msg)?;
        let port = match var("DIGNA_SMTP_PORT") {
            None => security.default_port(),
            Some(p) => p
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| anyhow::anyhow!("DIGNA_SMTP_PORT must be a port number, not {p:?}"))?,
        };
        let from = var("DIGNA_SMTP_FROM")
            .ok_or_else(|| anyhow::anyhow!("DIGNA_SMTP_FROM is needed with DIGNA_SMTP_HOST: the sender's address"))?;
        let from: Mailbox =
            from.parse().map_err(|e| anyhow::anyhow!("DIGNA_SMTP_FROM is not an e-mail address ({from:?}): {e}"))?;
        let password = match (var("DIGNA_SMTP_PASSWORD"), var("DIGNA_SMTP_PASSWORD_FILE")) {
            (Some(_), Some(_)) => anyhow::bail!("set DIGNA_SMTP_PASSWORD or DIGNA_SMTP_PASSWORD_FILE, not both"),
            (Some(p), None) => Some(p),
            (None, Some(file)) => Some(
                std::fs::read_to_string(&file)
                    .map_err(|e| anyhow::anyhow!("cannot read DIGNA_SMTP_PASSWORD_FILE {file}: {e}"))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
            ),
            (None, None) => None,
        };
        let credentials = match (var("DIGNA_SMTP_USER"), password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            _ => anyhow::bail!("DIGNA_SMTP_USER and a password go together"),
        };
        let public_url = var("DIGNA_PUBLIC_URL")
            .ok_or_else(|| anyhow::anyhow!("DIGNA_PUBLIC_URL is needed with DIGNA_SMTP_HOST: the links in e-mails"))?;
        let public_url = public_url.trim().trim_end_matches('/').to_string();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            anyhow::bail!("DIGNA_PUBLIC_URL must start with https:// or http://, not {public_url:?}");
        }
        let host = host.trim().to_string();
        if security == Security::None && !matches!(host.as_str(), "127.0.0.1" | "::1" | "localhost") {
            anyhow::bail!(
                "DIGNA_SMTP_SECURITY=none sends e-mail (and any password) in the clear: only to a mail server on \
                 this machine (127.0.0.1, ::1 or localhost), not {host:?}. Use starttls or tls."
            );
        }
        let ca_file = var("DIGNA_SMTP_CA_FILE").map(std::path::PathBuf::from);
        Ok(Some(MailSettings { host, port, security, from, credentials, ca_file, public_url }))
    }
}

/// The connection to the SMTP server, and who letters are from.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
    pub public_url: String,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let parameters = || -> anyhow::Result<TlsParameters> {
            let mut builder = TlsParameters::builder(settings.host.clone());
            if let Some(file) = &settings.ca_file {
                let pem = std::fs::read(file)
                    .map_err(|e| anyhow::anyhow!("cannot read DIGNA_SMTP_CA_FILE {}: {e}", file.display()))?;
                let certificate = Certificate::from_pem(&pem).map_err(|e| {
                    anyhow::anyhow!("DIGNA_SMTP_CA_FILE {} is not a PEM certificate: {e}", file.display())
                })?;
                builder = builder.add_root_certificate(certificate);
            }
            Ok(builder.build()?)
        };
        let tls = match settings.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(parameters()?),
            Security::Tls => Tls::Wrapper(parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer { transport: builder.build(), from: settings.from.clone(), public_url: settings.public_url.clone() })
    }

    /// Hands `letter` to the SMTP server: `Ok` once it accepted it.
    pub async fn send(&self, letter: Message) -> Result<(), lettre::transport::smtp::Error> {
        self.transport.send(letter).await.map(|_| ())
    }

    /// The domain of the sender's address, for Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> anyhow::Result<Option<MailSettings>> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        MailSettings::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn without_a_host_there_is_no_mail_and_a_host_needs_a_sender_and_an_address() {
        assert!(read(&[]).unwrap().is_none());
        let e = read(&[("DIGNA_SMTP_HOST", "mail.example.org")]).unwrap_err().to_string();
        assert!(e.contains("DIGNA_SMTP_FROM"), "{e}");
        let e =
            read(&[("DIGNA_SMTP_HOST", "m"), ("DIGNA_SMTP_FROM", "not an address"), ("DIGNA_PUBLIC_URL", "https://d")])
                .unwrap_err()
                .to_string();
        assert!(e.contains("not an e-mail address"), "{e}");
        let e = read(&[("DIGNA_SMTP_HOST", "m"), ("DIGNA_SMTP_FROM", "d@example.org")]).unwrap_err().to_string();
        assert!(e.contains("DIGNA_PUBLIC_URL"), "{e}");
    }

    #[test]
    fn the_port_follows_the_security_and_the_password_is_never_shown() {
        let base = [
            ("DIGNA_SMTP_HOST", "mail.example.org"),
            ("DIGNA_SMTP_FROM", "Digna <digna@example.org>"),
            ("DIGNA_PUBLIC_URL", "https://digna.example.org/"),
            ("DIGNA_SMTP_USER", "digna"),
            ("DIGNA_SMTP_PASSWORD", "s3cr3t-pass"),
        ];
        let s = read(&base).unwrap().unwrap();
        assert_eq!((s.port, s.security, s.public_url.as_str()), (587, Security::StartTls, "https://digna.example.org"));
        assert!(!format!("{s:?}").contains("s3cr3t"), "{s:?}");
        let tls = read(&[base.as_slice(), &[("DIGNA_SMTP_SECURITY", "tls")]].concat()).unwrap().unwrap();
        assert_eq!((tls.port, tls.security), (465, Security::Tls));
        let e = read(&[base.as_slice(), &[("DIGNA_SMTP_SECURITY", "none")]].concat()).unwrap_err().to_string();
        assert!(e.contains("in the clear"), "{e}");
        let local = [base.as_slice(), &[("DIGNA_SMTP_SECURITY", "none"), ("DIGNA_SMTP_HOST", "127.0.0.1")]].concat();
        assert_eq!(read(&local).unwrap().unwrap().port, 25);
        let e = read(&[base.as_slice(), &[("DIGNA_SMTP_SECURITY", "ssl3")]].concat()).unwrap_err().to_string();
        assert!(e.contains("starttls, tls or none"), "{e}");
        let e = read(&[base.as_slice(), &[("DIGNA_SMTP_PORT", "99999")]].concat()).unwrap_err().to_string();
        assert!(e.contains("port number"), "{e}");
    }

    #[test]
    fn the_password_may_come_from_a_file_but_not_from_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp-password");
        std::fs::write(&file, "from-file\n").unwrap();
        let file = file.to_str().unwrap();
        let base = [
            ("DIGNA_SMTP_HOST", "m"),
            ("DIGNA_SMTP_FROM", "d@example.org"),
            ("DIGNA_PUBLIC_URL", "http://localhost:3000"),
            ("DIGNA_SMTP_USER", "digna"),
        ];
        let s = read(&[base.as_slice(), &[("DIGNA_SMTP_PASSWORD_FILE", file)]].concat()).unwrap().unwrap();
        assert_eq!(s.credentials, Some(("digna".into(), "from-file".into())));
        let both = [base.as_slice(), &[("DIGNA_SMTP_PASSWORD_FILE", file), ("DIGNA_SMTP_PASSWORD", "x")]].concat();
        assert!(read(&both).unwrap_err().to_string().contains("not both"));
    }
}
