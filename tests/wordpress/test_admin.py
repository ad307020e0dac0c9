"""Settings → Form-Bridge in a real wp-admin: the key never printed back, detected form plugins,
queue counts and last errors, Retry now and Discard, Test connection through GET /api/v1/site,
nonces and the manage_options capability."""
import html

from tests.factories.ingest import make_key
from tests.wordpress.test_capture import queue_rows, stored_submissions


def test_settings_page_lists_detected_plugins_and_never_prints_the_key(wp_admin, connected_site):
    page = wp_admin.settings_page()
    for label, version in [("Contact Form 7", "5.9.8"), ("Gravity Forms", "2.8.7"), ("WPForms", "1.9.1"),
                           ("Elementor Pro forms", "3.24.2"), ("Ninja Forms", "3.8.16"), ("Fluent Forms", "5.2.6"),
                           ("Formidable Forms", "6.14")]:
        assert f"{label}: <strong>detected, version {version}</strong>" in page
    raw_key = connected_site["raw_key"]
    assert raw_key not in page and raw_key[8:] not in page
    assert html.escape(raw_key[:8]) in page
    assert "Pending: 0 · Failed: 0 · Sent (last 7 days): 0" in page


def test_test_connection_shows_the_sites_domain_and_account(wp_admin, connected_site):
    page = wp_admin.post_action("test")
    assert "Connected: this key belongs to the site shop.example of the account Pixel &amp; Pine Agency." in page


def test_failed_entry_shows_its_error_then_a_new_key_and_retry_now_sends_it(wordpress, wp_admin, connected_site):
    from portal.services.api_keys import api_key_revoke

    api_key_revoke(tenant=connected_site["tenant"], actor="tests", key=connected_site["key"])
    wordpress.request("/?form_bridge_standin=wpforms", data={"name": "Late", "email": "late@example.com"})
    [row] = queue_rows(wordpress)
    page = wp_admin.settings_page()
    assert "Pending: 0 · Failed: 1 · Sent (last 7 days): 0" in page
    assert "HTTP 401: Invalid API key" in page
    assert "Connection failed: HTTP 401" in wp_admin.post_action("test")

    _, new_raw = make_key(connected_site["tenant"], connected_site["site"])
    wp_admin.post_action("save", {"endpoint": wordpress.php("echo wp_json_encode( Form_Bridge_Settings::endpoint() );"),
                                  "api_key": new_raw, "proxy_hops": "0"})
    assert wordpress.php("echo wp_json_encode( Form_Bridge_Settings::api_key() );") == new_raw
    page = wp_admin.post_action("retry", entry=int(row["id"]))
    assert "Sent." in page and "Pending: 0 · Failed: 0 · Sent (last 7 days): 1" in page
    [submission] = stored_submissions(connected_site["tenant"])
    assert submission.fields["Your name"] == "Late" and queue_rows(wordpress)[0]["remote_id"] == submission.id


def test_discard_deletes_the_entry_and_its_file_copies(wordpress, wp_admin, connected_site, formbridge):
    formbridge.stop()
    try:
        wordpress.request("/?form_bridge_standin=cf7", data={"your-name": "Gone"},
                          files={"upload": ("brief.txt", b"a brief", "text/plain")})
    finally:
        formbridge.start()
    [row] = queue_rows(wordpress)
    copies = list((wordpress.uploads / "form-bridge" / row["uuid"]).iterdir())
    assert [p.read_bytes() for p in copies] == [b"a brief"]  # copied before CF7 removed its temporary file
    page = wp_admin.post_action("discard", entry=int(row["id"]))
    assert "Entry discarded." in page
    assert queue_rows(wordpress) == []
    assert not (wordpress.uploads / "form-bridge" / row["uuid"]).exists()


def test_actions_need_the_nonce_and_manage_options(wordpress, connected_site):
    from tests.wordpress.conftest import AdminSession

    wordpress.php("if ( ! username_exists( 'editor1' ) ) { wp_insert_user( array( 'user_login' => 'editor1', "
                  "'user_pass' => 'editor-password-1', 'role' => 'editor', 'user_email' => 'e@shop.example' ) ); } echo 1;")
    editor = AdminSession(wordpress, "editor1", "editor-password-1")
    status, _ = editor.open("/wp-admin/options-general.php?page=form-bridge")
    assert status == 403
    status, _ = editor.open("/wp-admin/admin-post.php", {"action": "form_bridge_save", "endpoint": "https://evil.example"})
    assert status == 403
    admin = AdminSession(wordpress, "admin", "wp-admin-password-1")
    status, _ = admin.open("/wp-admin/admin-post.php", {"action": "form_bridge_save", "endpoint": "https://evil.example"})
    assert status == 403  # no nonce: "the link you followed has expired"
    assert wordpress.php("echo wp_json_encode( Form_Bridge_Settings::endpoint() );") != "https://evil.example"
