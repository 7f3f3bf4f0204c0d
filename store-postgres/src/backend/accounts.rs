use super::PgStore;
use domain::{Email, Role};
use store::accounts::*;

impl store::Accounts for PgStore {
    async fn list(&self) -> Result<Vec<AccountSummary>, store::Error> {
        Ok(crate::accounts::list(&self.pool).await?)
    }

    async fn invite(
        &self,
        email: &Email,
        role: Role,
        grants: &Grants,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        audited!(self, audit, |conn| crate::accounts::invite(conn, email, role, grants, token_hash))
    }

    async fn update(
        &self,
        user_id: i64,
        role: Role,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::accounts::update(conn, user_id, role, grants))
    }

    async fn disable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::accounts::disable(conn, user_id))
    }

    async fn enable(&self, user_id: i64, audit: &store::audit::Entry) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::accounts::enable(conn, user_id))
    }

    async fn force_reset(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        token_hash: &[u8],
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::accounts::force_reset(conn, user_id, purpose, token_hash))
    }

    async fn link(&self, token_hash: &[u8]) -> Result<Option<AccountLink>, store::Error> {
        Ok(crate::accounts::link(&self.pool, token_hash).await?)
    }

    async fn accept_link(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        audited!(self, audit, |conn| crate::accounts::accept_link(conn, token_hash, password_hash))
    }

    async fn create(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
        grants: &Grants,
        audit: &store::audit::Entry,
    ) -> Result<Option<i64>, store::Error> {
        audited!(self, audit, |conn| crate::accounts::create(conn, email, role, password_hash, grants))
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, store::Error> {
        Ok(crate::accounts::by_email(&self.pool, email).await?)
    }

    async fn by_id(&self, id: i64) -> Result<Option<User>, store::Error> {
        Ok(crate::accounts::by_id(&self.pool, id).await?)
    }

    async fn set_password(
        &self,
        email: &Email,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::accounts::set_password(conn, email, password_hash))
    }

    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        audited!(self, audit, |conn| crate::accounts::change_password(conn, user_id, password_hash))
    }

    async fn count(&self) -> Result<i64, store::Error> {
        Ok(crate::accounts::count(&self.pool).await?)
    }

    async fn grants(&self, user_id: i64) -> Result<Grants, store::Error> {
        Ok(crate::accounts::grants(&self.pool, user_id).await?)
    }

    async fn visible_station_ids(&self, user_id: i64, role: Role) -> Result<Vec<i64>, store::Error> {
        Ok(crate::accounts::visible_station_ids(&self.pool, user_id, role).await?)
    }

    async fn all_station_ids(&self) -> Result<Vec<i64>, store::Error> {
        Ok(crate::accounts::all_station_ids(&self.pool).await?)
    }

    async fn enable_totp(
        &self,
        user_id: i64,
        sealed_secret: &str,
        recovery_hashes: &[Vec<u8>],
        audit: &store::audit::Entry,
    ) -> Result<i64, store::Error> {
        audited!(self, audit, |conn| crate::accounts::enable_totp(conn, user_id, sealed_secret, recovery_hashes))
    }

    async fn plain_totp_secrets(&self) -> Result<Vec<(i64, String)>, store::Error> {
        Ok(crate::accounts::plain_totp_secrets(&self.pool).await?)
    }

    async fn seal_totp_secret(&self, user_id: i64, plain: &str, sealed: &str) -> Result<(), store::Error> {
        Ok(crate::accounts::seal_totp_secret(&self.pool, user_id, plain, sealed).await?)
    }

    async fn recovery_code_hashes(&self, user_id: i64) -> Result<Vec<Vec<u8>>, store::Error> {
        Ok(crate::accounts::recovery_code_hashes(&self.pool, user_id).await?)
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, store::Error> {
        Ok(crate::accounts::use_totp_step(&self.pool, user_id, step).await?)
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &[u8]) -> Result<bool, store::Error> {
        Ok(crate::accounts::use_recovery_code(&self.pool, user_id, code_hash).await?)
    }

    async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, store::Error> {
        Ok(crate::accounts::recovery_codes_left(&self.pool, user_id).await?)
    }

    async fn clear_totp(&self, email: &Email, audit: &store::audit::Entry) -> Result<bool, store::Error> {
        audited!(self, audit, |conn| crate::accounts::clear_totp(conn, email))
    }
}
