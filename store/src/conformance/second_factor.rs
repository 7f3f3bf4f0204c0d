//! The second factor: a TOTP step used once, recovery codes spent once (even when two
//! sign-ins race with one code), a new factor replacing the old one.

use super::accounts::line;
use crate::accounts::Grants;
use crate::Store;
use domain::{Email, Role};

/// Adds an account; her id.
async fn account<S: Store>(store: &S, address: &str) -> i64 {
    let email = Email::parse(address).unwrap();
    store.create(&email, Role::Supervisor, "h", &Grants::default(), &line("account.create", "")).await.unwrap().unwrap()
}

/// Runs `n` copies of `attempt` at once, from as many tasks; how many succeeded.
async fn at_once<S, F, Fut>(store: &S, n: usize, attempt: F) -> usize
where
    S: Store,
    F: Fn(S) -> Fut,
    Fut: std::future::Future<Output = Result<bool, crate::Error>> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(attempt(store.clone()))).collect();
    let mut succeeded = 0;
    for task in tasks {
        succeeded += usize::from(task.await.unwrap().unwrap());
    }
    succeeded
}

pub async fn a_totp_step_signs_in_once_even_twice_at_once<S: Store>(store: &S) {
    let id = account(store, "ana@example.org").await;
    let other = account(store, "eva@example.org").await;
    let before = crate::Accounts::by_id(store, id).await.unwrap().unwrap().session_epoch;
    let epoch = store.enable_totp(id, "sealed:one", &[], &line("account.2fa", "")).await.unwrap();
    assert!(epoch > before, "her other sessions end");
    assert!(store.use_totp_step(id, 100).await.unwrap());
    assert!(!store.use_totp_step(id, 100).await.unwrap(), "a seen code is not replayed");
    assert!(!store.use_totp_step(id, 99).await.unwrap(), "nor an older one");
    assert!(store.use_totp_step(other, 100).await.unwrap(), "each account her own steps");
    let won = at_once(store, 6, |store| async move { store.use_totp_step(id, 101).await }).await;
    assert_eq!(won, 1, "one sign-in of six with the same code at once");
    // A new second factor starts its steps afresh.
    store.enable_totp(id, "sealed:two", &[], &line("account.2fa", "")).await.unwrap();
    assert!(store.use_totp_step(id, 50).await.unwrap());
}

pub async fn a_recovery_code_is_spent_once_even_twice_at_once<S: Store>(store: &S) {
    let id = account(store, "ana@example.org").await;
    let codes: Vec<Vec<u8>> = (1..=4u8).map(|i| vec![i; 24]).collect();
    store.enable_totp(id, "sealed:one", &codes, &line("account.2fa", "")).await.unwrap();
    let mut stored = store.recovery_code_hashes(id).await.unwrap();
    stored.sort();
    assert_eq!(stored, codes);
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 4);
    assert!(store.use_recovery_code(id, &codes[0]).await.unwrap());
    assert!(!store.use_recovery_code(id, &codes[0]).await.unwrap(), "spent once");
    assert!(!store.use_recovery_code(id, &[9; 24]).await.unwrap(), "an unknown code spends nothing");
    let other = account(store, "eva@example.org").await;
    assert!(!store.use_recovery_code(other, &codes[1]).await.unwrap(), "nor another account's");
    let code = codes[1].clone();
    let won = at_once(store, 6, |store| {
        let code = code.clone();
        async move { store.use_recovery_code(id, &code).await }
    })
    .await;
    assert_eq!(won, 1, "one sign-in of six with the same code at once");
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 2);
    // A new second factor replaces the codes; clearing it removes them.
    let epoch = store.enable_totp(id, "sealed:two", &[vec![7; 24]], &line("account.2fa", "")).await.unwrap();
    assert_eq!(store.recovery_code_hashes(id).await.unwrap(), [vec![7; 24]], "the old codes are gone");
    assert!(store.clear_totp(&Email::parse("ana@example.org").unwrap(), &line("account.2fa_off", "")).await.unwrap());
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert_eq!(user.totp_secret, None);
    assert!(user.session_epoch > epoch, "her sessions end");
    assert_eq!(store.recovery_codes_left(id).await.unwrap(), 0);
    let nobody = Email::parse("nobody@example.org").unwrap();
    assert!(!store.clear_totp(&nobody, &line("account.2fa_off", "")).await.unwrap(), "no such account");
}

pub async fn a_plain_totp_secret_is_sealed_unless_it_changed<S: Store>(store: &S) {
    let id = account(store, "ana@example.org").await;
    let sealed = account(store, "eva@example.org").await;
    store.enable_totp(id, "JBSWY3DPEHPK3PXP", &[], &line("account.2fa", "")).await.unwrap();
    store.enable_totp(sealed, "sealed:abc", &[], &line("account.2fa", "")).await.unwrap();
    assert_eq!(store.plain_totp_secrets().await.unwrap(), [(id, "JBSWY3DPEHPK3PXP".to_string())], "only the plain");
    store.seal_totp_secret(id, "CHANGED", "sealed:wrong").await.unwrap();
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert_eq!(user.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"), "a secret that changed meanwhile is kept");
    store.seal_totp_secret(id, "JBSWY3DPEHPK3PXP", "sealed:xyz").await.unwrap();
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert_eq!(user.totp_secret.as_deref(), Some("sealed:xyz"));
    assert!(store.plain_totp_secrets().await.unwrap().is_empty());
}
