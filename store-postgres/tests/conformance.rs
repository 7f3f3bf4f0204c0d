//! The store's conformance suite (`store::conformance`) on PostgreSQL, each check on a
//! fresh database of the throwaway cluster that `make test` starts
//! (`scripts/pg-cluster.sh`) and names in `DIGNA_TEST_POSTGRES`.

mod fresh;

store::conformance_tests!(fresh::store().await);

/// An audited change and its line are one transaction, so a line that cannot be written
/// undoes the change (a trigger plays a disk that refuses the audit line).
#[tokio::test]
async fn a_change_whose_audit_line_fails_does_not_land() {
    use store::{audit::Entry, Stations};
    let store = fresh::store().await;
    let id = store::conformance::station(&store, "LIM-01").await;
    sqlx::raw_sql(
        "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk trouble'; END $$;
         CREATE TRIGGER no_audit BEFORE INSERT ON admin_audit FOR EACH ROW EXECUTE FUNCTION no_audit();",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let before = Stations::by_id(&store, id).await.unwrap().unwrap();
    let mut settings = before.settings;
    settings.inactivity_s += 30;
    let audit = Entry::new("conformance", "station.update", "LIM-01", "inactivity");
    assert!(store.set_settings(id, &settings, &audit).await.is_err(), "the line could not be written");
    assert_eq!(
        Stations::by_id(&store, id).await.unwrap().unwrap().settings,
        before.settings,
        "so neither was the change"
    );
}
