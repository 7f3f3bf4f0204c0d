//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use domain::{Email, Role};
use store::accounts::*;

impl store::Accounts for PgStore {
    async fn list(&self) -> Result<Vec<AccountSummary>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn invite(
        &self,
        email: &Email,
        role: Role,
        grants: &Grants,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn update(
        &self,
        user_id: i64,
        role: Role,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn disable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn enable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn force_reset(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn link(&self, token_hash: &[u8]) -> Result<Option<AccountLink>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn accept_link(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn create(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn by_id(&self, id: i64) -> Result<Option<User>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_password(
        &self,
        email: &Email,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn count(&self) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn grants(&self, user_id: i64) -> Result<Grants, store::Error> {
        todo!("PostgreSQL")
    }

    async fn visible_station_ids(&self, user_id: i64, role: Role) -> Result<Vec<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn all_station_ids(&self) -> Result<Vec<i64>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn enable_totp(
        &self,
        user_id: i64,
        sealed_secret: &str,
        recovery_hashes: &[Vec<u8>],
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn plain_totp_secrets(&self) -> Result<Vec<(i64, String)>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn seal_totp_secret(&self, user_id: i64, plain: &str, sealed: &str) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn recovery_code_hashes(&self, user_id: i64) -> Result<Vec<Vec<u8>>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &[u8]) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn clear_totp(&self, email: &Email, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }
}
