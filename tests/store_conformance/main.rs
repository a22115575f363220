//! The store contract (the module doc of `chronicle::store`), checked against every backend.
//!
//! Each check is a function generic over a [`support::Factory`], written against the traits
//! (`EventStore`, `ReadModel`, `BrowseStore`) through the `Store` handle that `store::open`
//! returns, never against a backend type. [`conformance_tests!`] instantiates every check
//! for one backend, so each shows up as `<backend>::<check>`. A new backend is one factory
//! and one `conformance_tests!` line. What only one backend promises lives in
//! [`sqlite_only`] and [`postgres_only`].

#[path = "../common/mod.rs"]
mod common;

mod access;
mod batches;
mod browse;
mod concurrency;
mod events;
mod find;
mod history;
mod isolation;
mod ordering;
mod postgres_only;
mod read_model;
mod round_trip;
mod seed;
mod sqlite_only;
mod support;

/// Instantiates every conformance check for one backend: `conformance_tests!(name, Factory)`.
macro_rules! conformance_tests {
    ($backend:ident, $factory:ty) => {
        conformance_tests!(@each $backend, $factory;
            events::a_command_appends_all_its_events_with_contiguous_versions,
            events::wrong_expected_version_is_a_conflict_and_appends_nothing,
            events::a_refused_append_writes_nothing_at_all,
            events::the_global_log_reads_in_batches_in_order,
            events::load_takes_the_nearest_snapshot_at_or_below_and_the_tail,
            events::an_idempotency_key_is_recorded_with_the_events_or_not_at_all,
            events::a_conflicting_append_with_a_snapshot_writes_neither,
            events::import_lands_each_stream_whole_and_refuses_conflicting_ones,
            events::version_at_time_and_stream_listing,
            events::head_position_and_count_after_follow_the_log,
            round_trip::payload_and_metadata_round_trip_byte_for_byte,
            round_trip::timestamps_round_trip_to_the_microsecond,
            batches::commands_sent_together_each_keep_their_own_outcome,
            concurrency::two_writers_at_the_same_version_exactly_one_wins,
            concurrency::eight_writers_at_the_same_version_exactly_one_wins,
            concurrency::a_follower_sees_every_event_once_while_eight_handles_append,
            concurrency::a_follower_sees_every_event_once_while_one_shared_handle_appends,
            concurrency::an_import_session_and_an_append_to_its_stream_do_not_both_land,
            concurrency::projection_transactions_do_not_interleave,
            isolation::an_import_session_not_committed_leaves_nothing,
            isolation::a_projection_transaction_dropped_leaves_nothing,
            isolation::a_projection_transaction_reads_its_own_writes,
            read_model::rows_round_trip_and_delete,
            read_model::a_tampered_row_reads_back_with_its_raw_text,
            read_model::projector_state_is_set_and_read_back,
            read_model::dead_letters_are_put_listed_replaced_and_deleted,
            read_model::new_rows_insert_and_replace_a_row_that_exists_after_all,
            ordering::ids_order_by_bytes_in_every_listing,
            ordering::a_prefix_matches_every_id_that_starts_with_it,
            access::a_read_only_handle_refuses_every_write_and_writes_nothing,
            access::a_missing_database_is_refused_unless_created_and_not_created,
            access::destroy_removes_the_database_and_everything_in_it,
            access::a_reopened_database_holds_everything_written,
            browse::id_order_pages_every_stream_once_including_those_without_a_row,
            browse::recent_and_total_sorts_page_the_read_model_without_repeats_or_gaps,
            browse::customer_and_status_filters_read_the_read_model_under_every_sort,
            browse::search_in_a_stream_finds_the_nearest_match_either_way,
            browse::correlated_events_are_found_across_orders_in_log_order,
            browse::correlated_reads_the_metadata_not_its_spelling,
            browse::id_prefixes_resolve_to_streams_in_id_order,
            browse::the_loader_trail_holds_every_state_from_the_snapshot_to_the_version,
            find::events_are_found_by_position_id_and_text_newest_first,
            find::a_search_takes_its_text_literally,
            find::an_id_search_reads_the_metadata_not_its_spelling,
            history::streams_and_versions_as_of_a_position,
            seed::a_seed_in_chunks_lands_whole_or_not_at_all,
        );
    };
    (@each $backend:ident, $factory:ty; $($module:ident :: $check:ident),+ $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    crate::$module::$check::<$factory>().await;
                }
            )+
        }
    };
}

conformance_tests!(sqlite, crate::support::SqliteFactory);
conformance_tests!(postgres, crate::support::PostgresFactory);
