//! The staff accounts: who may sign in, with which role and grants, and her second factor.

use domain::{Email, Role};
use std::future::Future;

/// A staff account as the server needs it to sign someone in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    /// The second factor's secret as stored: sealed (see `web::auth::open_totp_secret`),
    /// or plain in a database from before secrets were sealed.
    pub totp_secret: Option<String>,
    pub disabled: bool,
    /// Advanced by every change that must end her other sessions (a password set or
    /// reset, a disable, a new second factor); a session signed in under an older epoch ends.
    pub session_epoch: i64,
    /// Set while she has no usable password: invited, or reset by an admin.
    pub password_pending: Option<PasswordPending>,
}

impl User {
    /// Whether the account may sign in and keep a session: not disabled, and with a
    /// password of her own (an invited or reset account has none until she sets one).
    pub fn may_sign_in(&self) -> bool {
        !self.disabled && self.password_pending.is_none()
    }
}

/// Why an account has no usable password yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordPending {
    /// Invited by an admin; she has never had a password.
    Invited,
    /// An admin forced a reset: her old password no longer works.
    Reset,
}

impl PasswordPending {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "invited" => Ok(PasswordPending::Invited),
            "reset" => Ok(PasswordPending::Reset),
            other => Err(format!("{other:?} is not a pending password state")),
        }
    }
}

/// What a one-time link lets her do: accept an invitation or replace a reset password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "invite" => Ok(LinkPurpose::Invite),
            "reset" => Ok(LinkPurpose::Reset),
            other => Err(format!("{other:?} is not a link purpose")),
        }
    }
}

/// How long a one-time link works.
pub const LINK_DAYS: i64 = 7;

/// What a supervisor or researcher is granted: stations by code, whole regions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    pub stations: Vec<String>,
    pub regions: Vec<String>,
}

/// An account as the administrators' list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub password_pending: Option<PasswordPending>,
    pub two_factor: bool,
    /// Whether an unused, unexpired link is waiting for her.
    pub open_link: bool,
    pub created_at: String,
    pub grants: Grants,
}

/// A one-time link as found by its token's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountLink {
    pub user_id: i64,
    pub email: String,
    pub purpose: LinkPurpose,
    pub used: bool,
    pub expired: bool,
    pub disabled: bool,
}

/// The staff accounts: who may sign in, with which role and grants, and her second factor.
pub trait Accounts {
    /// Every account, by email, with its grants.
    fn list(&self) -> impl Future<Output = Result<Vec<AccountSummary>, crate::Error>> + Send;

    /// Adds an invited account, with no usable password, its grants and its one-time
    /// invitation link; `Ok(None)` when the email is taken.
    fn invite(
        &self,
        email: &Email,
        role: Role,
        grants: &Grants,
        token_hash: &[u8],
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    /// Changes an account's role and grants; `false` (nothing changed) when she is the
    /// last active admin and would stop being an admin.
    fn update(
        &self,
        user_id: i64,
        role: Role,
        grants: &Grants,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Disables an account (she cannot sign in and her sessions stop working); `false`
    /// (nothing changed) when she is the last active admin.
    fn disable(
        &self,
        user_id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    fn enable(
        &self,
        user_id: i64,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// Forces a new password: the old one stops working (and so do her sessions), and a new
    /// one-time link replaces any older one. An invited account stays invited and gets a
    /// fresh invitation. `false` (nothing changed) when she is the last active admin.
    fn force_reset(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &[u8],
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    fn link(&self, token_hash: &[u8]) -> impl Future<Output = Result<Option<AccountLink>, crate::Error>> + Send;

    /// Spends a one-time link and sets the password she chose; `None` (nothing changed)
    /// when the link is unknown, used, expired or its account disabled.
    fn accept_link(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    /// Adds an account with its grants; `Ok(None)` when the email is taken.
    fn create(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
        grants: &Grants,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<Option<i64>, crate::Error>> + Send;

    fn by_email(&self, email: &Email) -> impl Future<Output = Result<Option<User>, crate::Error>> + Send;

    fn by_id(&self, id: i64) -> impl Future<Output = Result<Option<User>, crate::Error>> + Send;

    /// Replaces an account's password hash (she no longer needs a link, and her open links
    /// stop working); `false` when there is no such account.
    fn set_password(
        &self,
        email: &Email,
        password_hash: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Replaces the password of a signed-in account that proved her current one, and ends
    /// her other sessions; the new epoch is returned for the session she changed it from.
    fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    fn count(&self) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    fn grants(&self, user_id: i64) -> impl Future<Output = Result<Grants, crate::Error>> + Send;

    /// The ids of the stations an account may see: every station for an admin; for the
    /// others, the stations granted by code and every station of a granted region.
    fn visible_station_ids(
        &self,
        user_id: i64,
        role: Role,
    ) -> impl Future<Output = Result<Vec<i64>, crate::Error>> + Send;

    /// Every station's id.
    fn all_station_ids(&self) -> impl Future<Output = Result<Vec<i64>, crate::Error>> + Send;

    /// Turns on two-factor sign-in with `sealed_secret` (or replaces the second factor),
    /// replacing any recovery codes and ending her other sessions; the new session epoch
    /// is returned for the session she did it from.
    fn enable_totp(
        &self,
        user_id: i64,
        sealed_secret: &str,
        recovery_hashes: &[Vec<u8>],
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// The second-factor secrets still stored in the clear (from before they were sealed).
    fn plain_totp_secrets(&self) -> impl Future<Output = Result<Vec<(i64, String)>, crate::Error>> + Send;

    /// Replaces a plain secret by its sealed form, unless it changed meanwhile.
    fn seal_totp_secret(
        &self,
        user_id: i64,
        plain: &str,
        sealed: &str,
    ) -> impl Future<Output = Result<(), crate::Error>> + Send;

    /// The stored hashes of her unused recovery codes (each salted; see
    /// `web::auth::recovery_code_matches`).
    fn recovery_code_hashes(&self, user_id: i64) -> impl Future<Output = Result<Vec<Vec<u8>>, crate::Error>> + Send;

    /// Records that the TOTP code of `step` signed her in: `false` if that step (or a later
    /// one) was already used, so that a seen code cannot be replayed.
    fn use_totp_step(&self, user_id: i64, step: i64) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    /// Spends the recovery code stored as `code_hash`: `true` once per code.
    fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &[u8],
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;

    fn recovery_codes_left(&self, user_id: i64) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Turns off two-step verification (secret and recovery codes gone) and ends her
    /// sessions; `false` when there is no such account.
    fn clear_totp(
        &self,
        email: &Email,
        audit: &crate::audit::Entry,
    ) -> impl Future<Output = Result<bool, crate::Error>> + Send;
}
