//! What administrators do to accounts: the last active admin kept, even against two
//! administrators acting at once; resets and their one-time links; grants.

use super::accounts::{actions, line};
use super::station;
use crate::accounts::{Grants, LinkPurpose, PasswordPending};
use crate::Store;
use domain::{Email, Name, Role, StationCode};
use std::collections::BTreeSet;

fn email(s: &str) -> Email {
    Email::parse(s).expect("an email")
}

/// Adds an account with a password of her own; her id.
async fn account<S: Store>(store: &S, address: &str, role: Role) -> i64 {
    let made = store.create(&email(address), role, "h", &Grants::default(), &line("account.create", address)).await;
    made.unwrap().expect("a new email")
}

/// How many admins could sign in: not disabled, with a password of their own.
async fn active_admins<S: Store>(store: &S) -> usize {
    let accounts = store.list().await.unwrap();
    accounts.iter().filter(|a| a.role == Role::Admin && !a.disabled && a.password_pending.is_none()).count()
}

pub async fn the_last_active_admin_keeps_her_role_and_password<S: Store>(store: &S) {
    let first = account(store, "first@example.org", Role::Admin).await;
    let no_grants = Grants::default();
    let invited = store.invite(&email("second@example.org"), Role::Admin, &no_grants, &[1; 32], &line("i", "")).await;
    let second = invited.unwrap().expect("invited");
    // An invited admin has no password yet: the first is still the last one.
    let grants = Grants { stations: vec!["LIM-01".into()], regions: vec![] };
    assert!(!crate::Accounts::update(store, first, Role::Supervisor, &grants, &line("account.update", "first"))
        .await
        .unwrap());
    assert!(!store.force_reset(first, LinkPurpose::Reset, &[2; 32], &line("account.reset", "first")).await.unwrap());
    assert!(!store.disable(first, &line("account.disable", "first")).await.unwrap());
    let user = crate::Accounts::by_id(store, first).await.unwrap().unwrap();
    assert!(user.role == Role::Admin && user.may_sign_in() && user.password_hash == "h", "nothing of her changed");
    assert_eq!(store.grants(first).await.unwrap(), Grants::default(), "not even her grants");
    assert_eq!(store.link(&[2; 32]).await.unwrap(), None, "nor a link sent");
    assert!(actions(store).await.iter().all(|a| a == "account.create" || a == "i"), "a refused change writes no line");
    // Once the second has a password, the first may stop being an admin.
    assert_eq!(store.accept_link(&[1; 32], "h", &line("account.invite_accepted", "")).await.unwrap(), Some(second));
    let grants = Grants { stations: vec![], regions: vec!["Lima Sur".into()] };
    assert!(crate::Accounts::update(store, first, Role::Supervisor, &grants, &line("account.update", "first"))
        .await
        .unwrap());
    assert_eq!(store.grants(first).await.unwrap(), grants);
    assert!(!store.disable(second, &line("account.disable", "second")).await.unwrap(), "now the second is the last");
    // A disabled admin does not count either.
    let third = account(store, "third@example.org", Role::Admin).await;
    assert!(store.disable(third, &line("account.disable", "third")).await.unwrap(), "one of two active admins");
    assert!(!store.force_reset(second, LinkPurpose::Reset, &[3; 32], &line("account.reset", "second")).await.unwrap());
    assert!(store.disable(first, &line("account.disable", "first")).await.unwrap(), "a supervisor may go");
    assert_eq!(active_admins(store).await, 1);
}

pub async fn two_admins_removed_at_once_leave_one_active_admin<S: Store>(store: &S) {
    let mut survivor = account(store, "admin0@example.org", Role::Admin).await;
    let rounds = 12u8;
    for round in 0..rounds {
        let newcomer = account(store, &format!("admin{}@example.org", round + 1), Role::Admin).await;
        // Two administrators, each removing the other admin at the same moment, in three
        // ways: each change alone would be allowed (two admins are active).
        let remove = |user_id: i64, how: u8| {
            let store = store.clone();
            tokio::spawn(async move {
                let audit = line("race", &user_id.to_string());
                match how {
                    0 => store.disable(user_id, &audit).await,
                    1 => store.force_reset(user_id, LinkPurpose::Reset, &[round; 32], &audit).await,
                    _ => crate::Accounts::update(&store, user_id, Role::Researcher, &Grants::default(), &audit).await,
                }
            })
        };
        let (a, b) = (remove(survivor, round % 3), remove(newcomer, (round + 1) % 3));
        let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
        assert!(a ^ b, "round {round}: exactly one of two admins may be removed (removed: {a} and {b})");
        assert_eq!(active_admins(store).await, 1, "round {round}: one admin is left active");
        if a {
            survivor = newcomer;
        }
    }
    let removals = actions(store).await.into_iter().filter(|a| a == "race").count();
    assert_eq!(removals, usize::from(rounds), "each removal that happened wrote its line, each refused one none");
}

pub async fn a_reset_ends_the_password_and_only_the_newest_link_works<S: Store>(store: &S) {
    let id = account(store, "sup@example.org", Role::Supervisor).await;
    let before = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert!(store.force_reset(id, LinkPurpose::Reset, &[1; 32], &line("account.reset", "sup")).await.unwrap());
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert_eq!(user.password_pending, Some(PasswordPending::Reset));
    assert!(!user.may_sign_in() && user.password_hash != "h", "the old password no longer works");
    assert!(user.session_epoch > before.session_epoch, "her sessions end");
    let listed = |store: &S| {
        let store = store.clone();
        async move { store.list().await.unwrap().into_iter().find(|a| a.id == id).unwrap() }
    };
    assert!(listed(store).await.open_link, "a link waits for her");
    // A second reset: only its link works.
    assert!(store.force_reset(id, LinkPurpose::Reset, &[2; 32], &line("account.reset", "sup")).await.unwrap());
    let old = store.link(&[1; 32]).await.unwrap().expect("the old link is still found");
    assert!(old.used && old.purpose == LinkPurpose::Reset, "but ended by the newer one");
    assert_eq!(store.accept_link(&[1; 32], "old", &line("account.link", "sup")).await.unwrap(), None);
    assert_eq!(store.accept_link(&[2; 32], "h2", &line("account.link", "sup")).await.unwrap(), Some(id));
    let user = crate::Accounts::by_id(store, id).await.unwrap().unwrap();
    assert!(user.may_sign_in() && user.password_hash == "h2");
    assert!(!listed(store).await.open_link, "no link waits any more");
    // The link of a disabled account is refused, and stays unspent.
    assert!(store.force_reset(id, LinkPurpose::Reset, &[3; 32], &line("account.reset", "sup")).await.unwrap());
    assert!(store.disable(id, &line("account.disable", "sup")).await.unwrap());
    assert!(store.link(&[3; 32]).await.unwrap().unwrap().disabled);
    assert_eq!(store.accept_link(&[3; 32], "h3", &line("account.link", "sup")).await.unwrap(), None);
    store.enable(id, &line("account.enable", "sup")).await.unwrap();
    assert_eq!(store.accept_link(&[3; 32], "h3", &line("account.link", "sup")).await.unwrap(), Some(id));
    // A password set from the command line ends her open links.
    assert!(store.force_reset(id, LinkPurpose::Reset, &[4; 32], &line("account.reset", "sup")).await.unwrap());
    assert!(store.set_password(&email("sup@example.org"), "h4", &line("account.password", "sup")).await.unwrap());
    assert!(store.link(&[4; 32]).await.unwrap().unwrap().used, "her open link ended");
    assert_eq!(crate::Accounts::by_id(store, id).await.unwrap().unwrap().password_pending, None);
    assert!(!store.set_password(&email("nobody@example.org"), "h", &line("account.password", "")).await.unwrap());
    // An invited account reset stays invited, with a fresh invitation.
    let no_grants = Grants::default();
    let invited = store.invite(&email("new@example.org"), Role::Researcher, &no_grants, &[5; 32], &line("i", "")).await;
    let invited = invited.unwrap().unwrap();
    assert!(store.force_reset(invited, LinkPurpose::Invite, &[6; 32], &line("account.reset", "new")).await.unwrap());
    let user = crate::Accounts::by_id(store, invited).await.unwrap().unwrap();
    assert_eq!(user.password_pending, Some(PasswordPending::Invited));
    assert!(store.link(&[5; 32]).await.unwrap().unwrap().used);
    assert_eq!(store.link(&[6; 32]).await.unwrap().unwrap().purpose, LinkPurpose::Invite);
    assert_eq!(
        store
            .invite(&email("new@example.org"), Role::Admin, &Grants::default(), &[7; 32], &line("i", ""))
            .await
            .unwrap(),
        None,
        "an email is invited once"
    );
    assert_eq!(store.link(&[7; 32]).await.unwrap(), None, "and no link is sent for it");
}

pub async fn an_account_sees_the_stations_it_is_granted<S: Store>(store: &S) {
    let centre = station(store, "LIM-31").await;
    let add = |code: &'static str, region: &'static str| async move {
        let (code, region) = (StationCode::parse(code).unwrap(), Name::parse("region", region, 100).unwrap());
        let name = Name::parse("name", "Comisaría", 200).unwrap();
        store.insert(&code, &name, &region, "UTC", &line("station.create", "")).await.unwrap().unwrap()
    };
    let (south_1, south_2, callao) =
        (add("LIM-32", "Lima Sur").await, add("LIM-33", "Lima Sur").await, add("CAL-01", "Callao").await);
    let set = |ids: Vec<i64>| ids.into_iter().collect::<BTreeSet<_>>();
    let everything = set(vec![centre, south_1, south_2, callao]);
    let grants = Grants { stations: vec!["CAL-01".into(), "XXX-99".into()], regions: vec!["Lima Sur".into()] };
    let created =
        store.create(&email("sup@example.org"), Role::Supervisor, "h", &grants, &line("account.create", "")).await;
    let sup = created.unwrap().unwrap();
    let seen = store.visible_station_ids(sup, Role::Supervisor).await.unwrap();
    assert_eq!(seen.len(), 3, "each station once: {seen:?}");
    assert_eq!(set(seen), set(vec![south_1, south_2, callao]), "stations granted by code and by region");
    let admin = account(store, "admin@example.org", Role::Admin).await;
    assert_eq!(set(store.visible_station_ids(admin, Role::Admin).await.unwrap()), everything, "an admin sees all");
    assert_eq!(set(store.all_station_ids().await.unwrap()), everything);
    let none = account(store, "res@example.org", Role::Researcher).await;
    assert!(store.visible_station_ids(none, Role::Researcher).await.unwrap().is_empty(), "no grant, no station");
    // An update replaces the grants whole.
    let grants = Grants { stations: vec![], regions: vec!["Callao".into()] };
    assert!(crate::Accounts::update(store, sup, Role::Researcher, &grants, &line("account.update", "")).await.unwrap());
    assert_eq!(store.grants(sup).await.unwrap(), grants);
    assert_eq!(store.visible_station_ids(sup, Role::Researcher).await.unwrap(), [callao]);
    let listed = store.list().await.unwrap();
    let emails: Vec<_> = listed.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, ["admin@example.org", "res@example.org", "sup@example.org"], "by email");
    assert_eq!((listed[2].role, &listed[2].grants), (Role::Researcher, &grants), "with role and grants");
}
