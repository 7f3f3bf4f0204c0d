//! Accounts, the audit log, settings and surveys.

use crate::accounts::Grants;
use crate::audit::Entry;
use crate::survey::DraftStart;
use crate::Store;
use domain::{Email, Role};

fn email(s: &str) -> Email {
    Email::parse(s).expect("an email")
}

/// An audit line by the conformance suite.
pub fn line(action: &str, target: &str) -> Entry {
    Entry::new("conformance", action, target, "")
}

/// The actions of the audit log, oldest first.
pub async fn actions<S: Store>(store: &S) -> Vec<String> {
    store.audit_log(100).await.unwrap().into_iter().rev().map(|l| l.action).collect()
}

pub async fn an_account_is_created_once_and_found_by_email_and_id<S: Store>(store: &S) {
    let grants = Grants { stations: vec![], regions: vec!["Lima Sur".into()] };
    let id = store
        .create(&email("ana@example.org"), Role::Supervisor, "hash", &grants, &line("account.create", "x"))
        .await
        .unwrap();
    let id = id.expect("a new account is created");
    let again = store
        .create(&email("ana@example.org"), Role::Admin, "other", &Grants::default(), &line("account.create", "x"))
        .await
        .unwrap();
    assert_eq!(again, None, "an email is taken once");
    let by_email = store.by_email(&email("ana@example.org")).await.unwrap().expect("found by email");
    let by_id = crate::Accounts::by_id(store, id).await.unwrap().expect("found by id");
    assert_eq!(by_email, by_id);
    assert_eq!((by_id.role, by_id.password_hash.as_str()), (Role::Supervisor, "hash"), "the first one kept");
    assert_eq!(store.grants(id).await.unwrap(), grants);
    assert_eq!(crate::Accounts::count(store).await.unwrap(), 1);
}

pub async fn the_last_admin_cannot_be_disabled<S: Store>(store: &S) {
    let first = store
        .create(&email("a@example.org"), Role::Admin, "h", &Grants::default(), &line("account.create", "x"))
        .await
        .unwrap()
        .unwrap();
    assert!(!store.disable(first, &line("account.disable", "first")).await.unwrap(), "the only admin stays");
    let second = store
        .create(&email("b@example.org"), Role::Admin, "h", &Grants::default(), &line("account.create", "x"))
        .await
        .unwrap()
        .unwrap();
    assert!(store.disable(first, &line("account.disable", "first")).await.unwrap(), "one of two admins may go");
    assert!(
        !store.disable(second, &line("account.disable", "second")).await.unwrap(),
        "then the other is the last one"
    );
    let user = crate::Accounts::by_id(store, first).await.unwrap().unwrap();
    assert!(user.disabled && !user.may_sign_in());
    let disables: Vec<_> = actions(store).await.into_iter().filter(|a| a == "account.disable").collect();
    assert_eq!(disables.len(), 1, "a refused change writes no audit line, a change writes its own");
}

pub async fn an_invitation_link_is_accepted_once<S: Store>(store: &S) {
    let token = [7u8; 32];
    let id = store
        .invite(&email("c@example.org"), Role::Researcher, &Grants::default(), &token, &line("account.invite", "c"))
        .await
        .unwrap();
    let id = id.expect("invited");
    let link = store.link(&token).await.unwrap().expect("the link is found by its token's hash");
    assert_eq!((link.user_id, link.used, link.expired), (id, false, false));
    assert!(!crate::Accounts::by_id(store, id).await.unwrap().unwrap().may_sign_in(), "no password yet");
    assert_eq!(store.accept_link(&token, "new hash", &line("account.invite_accepted", "c")).await.unwrap(), Some(id));
    assert_eq!(
        store.accept_link(&token, "another", &line("account.invite_accepted", "c")).await.unwrap(),
        None,
        "a link is used once"
    );
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert_eq!(user.password_hash, "new hash");
    assert!(user.may_sign_in());
}

pub async fn a_password_change_ends_every_session<S: Store>(store: &S) {
    let id = store
        .create(&email("d@example.org"), Role::Admin, "h", &Grants::default(), &line("account.create", "x"))
        .await
        .unwrap()
        .unwrap();
    let before = crate::Accounts::by_id(store, id).await.unwrap().unwrap().session_epoch;
    let epoch = store.change_password(id, "h2", &line("account.password_changed", "d")).await.unwrap();
    assert!(epoch > before, "the session epoch moves on");
    assert!(store.set_password(&email("d@example.org"), "h3", &line("account.reset", "d")).await.unwrap());
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert!(user.session_epoch > epoch);
    assert_eq!(user.password_hash, "h3");
}

pub async fn an_audit_line_is_kept_and_listed_newest_first<S: Store>(store: &S) {
    store.audit("ana@example.org", "station.create", "LIM-01", "first").await.unwrap();
    store.audit("ana@example.org", "station.update", "LIM-01", "second").await.unwrap();
    let log = store.audit_log(10).await.unwrap();
    let details: Vec<_> = log.iter().map(|l| l.detail.as_str()).collect();
    assert_eq!(details, ["second", "first"]);
    assert_eq!(store.audit_log(1).await.unwrap().len(), 1, "the limit holds");
}

pub async fn a_settings_change_returns_the_old_value<S: Store>(store: &S) {
    assert_eq!(store.get_i64("conformance", 4).await.unwrap(), 4, "missing: the default");
    assert_eq!(crate::NetworkSettings::set(store, "conformance", "9", |_| None).await.unwrap(), None);
    assert_eq!(crate::NetworkSettings::set(store, "conformance", "11", |_| None).await.unwrap(), Some("9".into()));
    assert_eq!(store.get_i64("conformance", 4).await.unwrap(), 11);
}

pub async fn a_published_survey_is_loaded_and_a_draft_started_once<S: Store>(store: &S) {
    let current = store.current_version().await.unwrap().expect("a fresh store has the first survey published");
    let survey = store.load(current).await.unwrap().expect("the published survey loads");
    assert_eq!(survey.version, current);
    assert!(!survey.questions.is_empty());
    let DraftStart::Started { draft, from } = store.start_draft(|_| None).await.unwrap() else {
        panic!("no draft yet: one is started");
    };
    assert_eq!(from, current);
    assert_eq!(store.start_draft(|_| None).await.unwrap(), DraftStart::DraftExists(draft), "one draft at a time");
    assert_eq!(store.load(draft).await.unwrap(), None, "a draft is not a published survey");
    assert_eq!(store.current_version().await.unwrap(), Some(current));
}

pub async fn an_audited_change_writes_its_line_in_its_own_unit<S: Store>(store: &S) {
    let id =
        store.create(&email("e@example.org"), Role::Admin, "h", &Grants::default(), &line("account.create", "e")).await;
    let id = id.unwrap().expect("created");
    assert_eq!(actions(store).await, ["account.create"], "the change and its line together");
    let taken =
        store.create(&email("e@example.org"), Role::Admin, "h", &Grants::default(), &line("account.create", "e")).await;
    assert_eq!(taken.unwrap(), None);
    assert_eq!(actions(store).await, ["account.create"], "a change that did not happen leaves no line");
    store.enable(id, &line("account.enable", "e")).await.unwrap();
    // A line that depends on the outcome: none when the closure says none.
    crate::NetworkSettings::set(store, "k", "1", |old| old.is_some().then(|| line("setting.update", "k")))
        .await
        .unwrap();
    crate::NetworkSettings::set(store, "k", "2", |old| old.is_some().then(|| line("setting.update", "k")))
        .await
        .unwrap();
    assert_eq!(actions(store).await, ["account.create", "account.enable", "setting.update"]);
    let log = store.audit_log(1).await.unwrap();
    assert_eq!((log[0].actor.as_str(), log[0].target.as_str()), ("conformance", "k"));
}
