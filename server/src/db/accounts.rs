//! `store::accounts`, on whichever database the server runs.

use super::Db;
use domain::{Email, Role};
use store::accounts::*;

impl store::Accounts for Db {
    async fn list(&self) -> Result<Vec<AccountSummary>, store::Error> {
        dispatch!(self, |inner| store::Accounts::list(inner))
    }

    async fn invite(
        &self,
        email: &Email,
        role: Role,
        grants: &Grants,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Accounts::invite(inner, email, role, grants, token_hash, audit))
    }

    async fn update(
        &self,
        user_id: i64,
        role: Role,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::update(inner, user_id, role, grants, audit))
    }

    async fn disable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::disable(inner, user_id, audit))
    }

    async fn enable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Accounts::enable(inner, user_id, audit))
    }

    async fn force_reset(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::force_reset(inner, user_id, purpose, token_hash, audit))
    }

    async fn link(&self, token_hash: &[u8]) -> Result<Option<AccountLink>, store::Error> {
        dispatch!(self, |inner| store::Accounts::link(inner, token_hash))
    }

    async fn accept_link(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Accounts::accept_link(inner, token_hash, password_hash, audit))
    }

    async fn create(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        dispatch!(self, |inner| store::Accounts::create(inner, email, role, password_hash, grants, audit))
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, store::Error> {
        dispatch!(self, |inner| store::Accounts::by_email(inner, email))
    }

    async fn by_id(&self, id: i64) -> Result<Option<User>, store::Error> {
        dispatch!(self, |inner| store::Accounts::by_id(inner, id))
    }

    async fn set_password(
        &self,
        email: &Email,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::set_password(inner, email, password_hash, audit))
    }

    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Accounts::change_password(inner, user_id, password_hash, audit))
    }

    async fn count(&self) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Accounts::count(inner))
    }

    async fn grants(&self, user_id: i64) -> Result<Grants, store::Error> {
        dispatch!(self, |inner| store::Accounts::grants(inner, user_id))
    }

    async fn visible_station_ids(&self, user_id: i64, role: Role) -> Result<Vec<i64>, store::Error> {
        dispatch!(self, |inner| store::Accounts::visible_station_ids(inner, user_id, role))
    }

    async fn all_station_ids(&self) -> Result<Vec<i64>, store::Error> {
        dispatch!(self, |inner| store::Accounts::all_station_ids(inner))
    }

    async fn enable_totp(
        &self,
        user_id: i64,
        sealed_secret: &str,
        recovery_hashes: &[Vec<u8>],
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Accounts::enable_totp(inner, user_id, sealed_secret, recovery_hashes, audit))
    }

    async fn plain_totp_secrets(&self) -> Result<Vec<(i64, String)>, store::Error> {
        dispatch!(self, |inner| store::Accounts::plain_totp_secrets(inner))
    }

    async fn seal_totp_secret(&self, user_id: i64, plain: &str, sealed: &str) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Accounts::seal_totp_secret(inner, user_id, plain, sealed))
    }

    async fn recovery_code_hashes(&self, user_id: i64) -> Result<Vec<Vec<u8>>, store::Error> {
        dispatch!(self, |inner| store::Accounts::recovery_code_hashes(inner, user_id))
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::use_totp_step(inner, user_id, step))
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &[u8]) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::use_recovery_code(inner, user_id, code_hash))
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Accounts::recovery_codes_left(inner, user_id))
    }

    async fn clear_totp(&self, email: &Email, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Accounts::clear_totp(inner, email, audit))
    }
}
