"""Never losing a submission on the site's side, in a real WordPress: the queue table, the
immediate send, WP-Cron retries with backoff under the UUID as Idempotency-Key, final answers."""
from portal.services.api_keys import api_key_revoke
from tests.wordpress.test_capture import queue_rows, stored_submissions


def _submit(wordpress, name):
    status, body = wordpress.request("/?form_bridge_standin=cf7", data={"your-name": name, "your-email": "o@example.com"})
    assert status == 200, body


def _the_clock_moves_on(wordpress, seconds):
    """Rows and the cron event become due as if `seconds` had passed (WP-Cron reads the database clock)."""
    wordpress.php(
        "global $wpdb; $wpdb->query( $wpdb->prepare( 'UPDATE ' . Form_Bridge_Queue::table() . "
        f"' SET next_attempt_at = DATE_SUB(next_attempt_at, INTERVAL %d SECOND), created_at = DATE_SUB(created_at, INTERVAL %d SECOND)', {seconds}, {seconds} ) );"
        "wp_clear_scheduled_hook( Form_Bridge_Sender::CRON_HOOK );"
        "wp_schedule_event( time() - 1, Form_Bridge_Sender::CRON_SCHEDULE, Form_Bridge_Sender::CRON_HOOK ); echo 1;")


def test_outage_five_submissions_queue_and_arrive_exactly_once_after_wp_cron(wordpress, connected_site, formbridge):
    formbridge.stop()
    try:
        names = [f"Visitor {n}" for n in range(5)]
        for name in names:
            _submit(wordpress, name)
        rows = queue_rows(wordpress)
        assert [row["status"] for row in rows] == ["pending"] * 5
        assert all(row["attempts"] == "1" and row["last_error"] for row in rows)
        delays = wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_col( 'SELECT TIMESTAMPDIFF(SECOND, "
                               "updated_at, next_attempt_at) FROM ' . Form_Bridge_Queue::table() ) );")
        assert [int(d) for d in delays] == [60] * 5  # first retry after one minute

        wordpress.run_cron()  # nothing is due yet, and Form-Bridge is down anyway
        assert [row["attempts"] for row in queue_rows(wordpress)] == ["1"] * 5
    finally:
        formbridge.start()
    assert stored_submissions(connected_site["tenant"]) == []

    _the_clock_moves_on(wordpress, 61)
    wordpress.run_cron()

    rows = queue_rows(wordpress)
    stored = stored_submissions(connected_site["tenant"])
    assert [row["status"] for row in rows] == ["sent"] * 5
    assert sorted(s.id for s in stored) == sorted(row["remote_id"] for row in rows)
    assert sorted(s.fields["your-name"] for s in stored) == names

    # The answer to a send can be lost (a timeout after Form-Bridge stored it): the row is sent
    # again under the same UUID, and Form-Bridge answers with the first submission, storing nothing.
    first = rows[0]
    wordpress.php("global $wpdb; $wpdb->update( Form_Bridge_Queue::table(), array( 'status' => 'pending', "
                  f"'next_attempt_at' => '2000-01-01 00:00:00', 'remote_id' => null ), array( 'id' => {first['id']} ) );"
                  "wp_clear_scheduled_hook( Form_Bridge_Sender::CRON_HOOK );"
                  "wp_schedule_event( time() - 1, Form_Bridge_Sender::CRON_SCHEDULE, Form_Bridge_Sender::CRON_HOOK ); echo 1;")
    wordpress.run_cron()
    again = queue_rows(wordpress)[0]
    assert again["status"] == "sent" and again["remote_id"] == first["remote_id"]
    assert len(stored_submissions(connected_site["tenant"])) == 5
    counts = wordpress.php("echo wp_json_encode( Form_Bridge_Queue::counts() );")
    assert counts == {"pending": 0, "failed": 0, "sent": 5}
    assert wordpress.plugin_errors() == []


def test_backoff_is_1_5_30_min_2_h_then_6_h_and_stops_after_3_days(wordpress, connected_site, formbridge):
    schedule = wordpress.php("echo wp_json_encode( array_map( array( 'Form_Bridge_Sender', 'retry_delay' ), range( 1, 8 ) ) );")
    assert schedule == [60, 300, 1800, 7200, 21600, 21600, 21600, 21600]
    retryable = wordpress.php("echo wp_json_encode( array_map( array( 'Form_Bridge_Sender', 'is_retryable' ), "
                              "array( 0, 408, 429, 500, 502, 503, 400, 401, 403, 404, 409, 413, 415, 422 ) ) );")
    assert retryable == [True] * 6 + [False] * 8

    formbridge.stop()
    try:
        _submit(wordpress, "Patient visitor")
        [row] = queue_rows(wordpress)
        # The fifth failure, two days in: the next try is 6 h later, still inside the 3 days.
        wordpress.php("global $wpdb; $wpdb->query( 'UPDATE ' . Form_Bridge_Queue::table() . ' SET attempts = 4, "
                      "created_at = DATE_SUB(UTC_TIMESTAMP(), INTERVAL 2 DAY), next_attempt_at = UTC_TIMESTAMP()' );"
                      f"Form_Bridge_Sender::send( {row['id']}, 2 ); echo 1;")
        wait = wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_var( 'SELECT TIMESTAMPDIFF(SECOND, "
                             "UTC_TIMESTAMP(), next_attempt_at) FROM ' . Form_Bridge_Queue::table() ) );")
        assert 21590 <= int(wait) <= 21600
        # Three days after the capture, the next retry would fall outside the window: failed, shown.
        wordpress.php("global $wpdb; $wpdb->query( 'UPDATE ' . Form_Bridge_Queue::table() . ' SET "
                      "created_at = DATE_SUB(UTC_TIMESTAMP(), INTERVAL 71 HOUR), next_attempt_at = UTC_TIMESTAMP()' );"
                      f"Form_Bridge_Sender::send( {row['id']}, 2 ); echo 1;")
        [row] = queue_rows(wordpress)
        assert row["status"] == "failed" and row["last_error"].startswith("Gave up after 3 days")
    finally:
        formbridge.start()


def test_a_final_4xx_is_not_retried_and_keeps_the_problem_detail(wordpress, connected_site):
    api_key_revoke(tenant=connected_site["tenant"], actor="tests", key=connected_site["key"])
    _submit(wordpress, "Refused visitor")
    [row] = queue_rows(wordpress)
    assert row["status"] == "failed" and row["attempts"] == "1"
    assert row["last_error"].startswith("HTTP 401: Invalid API key")
    _the_clock_moves_on(wordpress, 3600)
    wordpress.run_cron()
    assert queue_rows(wordpress) == [row]  # not retried by WP-Cron
    assert stored_submissions(connected_site["tenant"]) == []


def test_gravity_forms_spam_is_skipped(wordpress, connected_site):
    status, _ = wordpress.request("/?form_bridge_standin=gravityforms",
                                  data={"first": "Spam", "last": "Bot", "email": "bot@example.com", "spam": "1"})
    assert status == 200
    assert queue_rows(wordpress) == []
    assert stored_submissions(connected_site["tenant"]) == []


def test_custom_code_action_sends_its_form_fields_and_meta(wordpress, connected_site):
    wordpress.php("do_action( 'form_bridge_submit', 'newsletter-footer', array( 'Email' => 'n@example.com', "
                  "'Lists' => array( 'weekly', 'offers' ) ), array( 'page_url' => 'https://shop.example/blog/' ), array() ); echo 1;")
    [submission] = stored_submissions(connected_site["tenant"])
    assert submission.formId == "newsletter-footer"
    assert submission.fields == {"Email": "n@example.com", "Lists": ["weekly", "offers"]}
    assert submission.meta["page_url"] == "https://shop.example/blog/" and submission.meta["form_plugin"] == "custom"


def test_api_key_is_stored_with_autoload_off(wordpress, connected_site):
    autoload = wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_var( \"SELECT autoload FROM "
                             "{$wpdb->options} WHERE option_name = 'form_bridge_api_key'\" ) );")
    assert autoload == "no"
