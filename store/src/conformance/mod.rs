//! The conformance suite: what every store backend must do, written once against the
//! traits. A backend runs it from its own tests with [`conformance_tests!`], giving an
//! expression that makes a fresh, migrated, empty store:
//!
//! ```ignore
//! store::conformance_tests!(store_sqlite::SqliteStore::in_memory().await.unwrap());
//! ```
//!
//! Each check takes a fresh store and panics, naming the broken promise, when the backend
//! breaks it. They test the store's contracts (exactly once, whole or nothing, one
//! snapshot, atomic budget checks, the last admin kept), not SQL.

mod accounts;
mod admin;
mod alerts;
mod dashboard;
mod export_pages;
mod exports;
mod notifications;
mod release;
mod responses;
mod rollups;
mod second_factor;
mod settings_backup;
mod stations;
mod survey;
mod tablets;
mod voices;

pub use accounts::*;
pub use admin::*;
pub use alerts::*;
pub use dashboard::*;
pub use export_pages::*;
pub use exports::*;
pub use notifications::*;
pub use release::*;
pub use responses::*;
pub use rollups::ROLLUP_CHECKS;
pub use second_factor::*;
pub use settings_backup::*;
pub use stations::*;
pub use survey::*;
pub use tablets::*;
pub use voices::*;

use crate::Store;
use domain::{Name, StationCode};

/// Adds a station coded `code` (timezone America/Lima); returns its id.
pub async fn station<S: Store>(store: &S, code: &str) -> i64 {
    let code = StationCode::parse(code).expect("a station code");
    let name = Name::parse("name", "Comisaría de prueba", 200).expect("a name");
    let region = Name::parse("region", "Lima Centro", 100).expect("a region");
    let audit = crate::audit::Entry::new("conformance", "station.create", code.as_ref(), "");
    store
        .insert(&code, &name, &region, "America/Lima", &audit)
        .await
        .expect("the station is added")
        .expect("a new code")
}

/// Generates one `#[tokio::test]` per check of the suite, each on a fresh store made by
/// `$make` (an expression, awaited inside each test).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            an_account_is_created_once_and_found_by_email_and_id,
            an_account_s_choices_are_kept_and_one_click_turns_off_one_topic,
            a_station_s_alert_rule_is_kept_audited_and_the_default_leaves_none,
            one_server_s_sender_holds_the_lease_until_it_runs_out,
            the_last_admin_cannot_be_disabled,
            an_invitation_link_is_accepted_once,
            a_password_change_ends_every_session,
            an_audited_change_writes_its_line_in_its_own_unit,
            an_audit_line_is_kept_and_listed_newest_first,
            a_station_code_is_taken_once,
            a_settings_change_returns_the_old_value,
            the_last_active_admin_keeps_her_role_and_password,
            two_admins_removed_at_once_leave_one_active_admin,
            a_reset_ends_the_password_and_only_the_newest_link_works,
            an_account_sees_the_stations_it_is_granted,
            a_totp_step_signs_in_once_even_twice_at_once,
            a_recovery_code_is_spent_once_even_twice_at_once,
            a_plain_totp_secret_is_sealed_unless_it_changed,
            a_setting_that_is_not_a_number_reads_as_its_default,
            settings_changed_at_once_each_return_the_value_they_replaced,
            the_recovery_recipient_is_replaced_and_the_old_one_returned,
            pending_rows_are_paged_through_in_id_order_each_once,
            resealed_records_replace_theirs_and_no_other,
            dropping_pending_rows_counts_stations_never_rows,
            an_enrollment_code_is_redeemed_once,
            a_revoked_tablet_token_no_longer_opens,
            a_submission_is_stored_exactly_once,
            a_release_writes_what_it_decides_and_moves_the_schedule_whole,
            a_failed_decision_leaves_everything_pending,
            a_release_of_an_unknown_station_is_none,
            the_roll_ups_count_what_was_released,
            two_releases_of_a_station_at_once_release_each_record_once,
            a_submission_stored_during_a_release_stays_pending,
            a_retention_purge_deletes_old_responses_and_keeps_their_roll_ups,
            inspection_and_holdings_count_what_a_database_holds,
            export_readers_share_one_snapshot_and_read_every_row_once,
            the_privacy_budget_check_and_its_record_are_atomic,
            an_export_page_holds_each_response_s_columns_in_id_order,
            the_overview_shows_what_was_released_and_hides_small_counts,
            a_station_report_shows_what_was_released_and_hides_small_cells,
            a_comparison_sums_what_was_released_and_leaves_small_stations_out,
            the_weekly_index_and_distributions_count_what_was_released,
            a_published_survey_is_loaded_and_a_draft_started_once,
            a_draft_is_edited_question_by_question_then_published_whole,
            a_published_version_is_never_edited,
            a_discarded_draft_leaves_nothing_behind,
            one_draft_is_started_however_many_ask_at_once,
            a_language_is_offered_only_when_complete_in_the_current_version,
            pin_guesses_arriving_together_are_checked_at_most_limit_times,
            each_pin_lock_lasts_twice_as_long_until_a_right_pin,
            a_station_s_tablets_are_listed_revoked_and_counted,
            an_endpoint_is_added_listed_and_removed_with_its_messages,
            a_message_is_queued_once_per_key_and_claimed_by_one_sender,
            an_alert_is_announced_once_per_episode,
            a_release_judges_its_alert_on_what_it_wrote_in_its_own_transaction,
            a_recording_is_kept_once_per_prompt_and_approved_only_as_heard,
            recordings_move_between_installations_whole,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            // Two workers: some checks run two units of work at once, from two threads.
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $make;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}
