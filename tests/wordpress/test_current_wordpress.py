"""The plugin on a current WordPress, with real form plugins: WordPress 6.5.5, Contact Form 7 5.9.8
and Formidable Forms 6.34, unmodified, from the shared fixtures (conftest.wordpress_fixtures()),
installed once for this module next to the Form-Bridge plugin. Each form is submitted the way
its own front end does it, and the submission is read back from Form-Bridge.

Formidable Lite has no file field (file uploads are in its Pro add-on), so its file capture
stays covered by the stand-in in test_wordpress_plugin.py, as are the plugins that cannot run
here (Gravity Forms, WPForms, Elementor Pro, Ninja Forms, Fluent Forms).

Also here, on the same install: Site Health and the admin notice, the personal data tools, the
translations, and the upgrade from the previous release's table."""
import hashlib
import html
import json
import re
import secrets
import urllib.parse

import pytest

from portal.selectors.submissions import SubmissionFilters, submission_list
from portal import dynamodb_local
from tests.wordpress.conftest import (ADMIN_PASSWORD, ADMIN_USER, AdminSession, connect, create_database,
                                      running_wordpress, unpack_current_wordpress)

CF7_TEMPLATE = """<label> Your name
    [text* your-name autocomplete:name] </label>

<label> Your email
    [email* your-email autocomplete:email] </label>

<label> Phone [tel phone-home] </label>
<label> Phone [tel phone-work] </label>

[checkbox topics "Design" "Hosting" "Care plan"]

<label> Brief
    [file your-file filetypes:txt|png limit:1mb] </label>

[submit "Send"]"""

VISITOR = {"User-Agent": "Mozilla/5.0 (real front end)"}


@pytest.fixture(scope="module")
def current_wordpress(mariadb, tmp_path_factory):
    database = create_database(mariadb, "wordpress_current")
    plugins = ["contact-form-7", "formidable"]
    with running_wordpress(mariadb=database, base=tmp_path_factory.mktemp("wordpress-current"),
                           lay_files=lambda root: unpack_current_wordpress(root, plugins),
                           activate=["contact-form-7/wp-contact-form-7.php", "formidable/formidable.php"],
                           mu_plugins=False) as site:
        # Contact Form 7 made "Contact form 1" on activation; its template gets our fields.
        site.cf7_form = site.php(
            "$form = WPCF7_ContactForm::find( array( 'posts_per_page' => 1 ) )[0];"
            "$props = $form->get_properties(); $props['form'] = json_decode( '"
            + json.dumps(CF7_TEMPLATE).replace("\\", "\\\\").replace("'", "\\'") + "' );"
            "$form->set_properties( $props ); $form->save();"
            "echo wp_json_encode( array( 'id' => $form->id(), 'title' => $form->title() ) );")
        # A Formidable form made with its PHP API, on a page of its own (its shortcode).
        site.frm_form = site.php(
            "FrmAppController::install();"  # its tables, as its first admin page view would
            "$form_id = FrmForm::create( array( 'name' => 'Project brief', 'description' => '', 'form_key' => 'brief',"
            " 'status' => 'published' ) );"
            "$ids = array();"
            "foreach ( array( array( 'text', 'Company', 'company', '' ), array( 'checkbox', 'Channels', 'channels', array( 'SEO', 'Ads', 'Email' ) ),"
            " array( 'textarea', 'Company', 'company_notes', '' ) ) as $i => $f ) {"
            " $ids[ $f[2] ] = FrmField::create( array( 'form_id' => $form_id, 'type' => $f[0], 'name' => $f[1], 'field_key' => $f[2],"
            " 'options' => $f[3], 'field_order' => $i + 1 ) ); }"
            "$page = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Brief',"
            " 'post_content' => '[formidable id=' . $form_id . ']' ) );"
            "echo wp_json_encode( array( 'id' => $form_id, 'page' => $page, 'fields' => $ids ) );")
        yield site


@pytest.fixture
def real_site(ddb, current_wordpress, formbridge):
    formbridge.start()
    return connect(current_wordpress, formbridge)


def stored(tenant):
    return submission_list(tenant=tenant, filters=SubmissionFilters(spam="all"), limit=100).items


def queue(wordpress):
    return wordpress.php("global $wpdb; echo wp_json_encode( $wpdb->get_results( 'SELECT id, uuid, status, remote_id, "
                         "last_error FROM ' . Form_Bridge_Queue::table() . ' ORDER BY id', ARRAY_A ) );")


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----WebKitFormBoundary" + secrets.token_hex(8)
    chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
              for name, value in fields]
    chunks += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
               f'Content-Type: {mime}\r\n\r\n'.encode() + content + b"\r\n" for name, filename, content, mime in files]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(wordpress, path: str, body: bytes, content_type: str, *, referer: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(wordpress.url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type, "Referer": referer, **VISITOR})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_contact_form_7_rest_submission_arrives_with_labels_its_checkboxes_and_file(current_wordpress, real_site):
    wordpress, form = current_wordpress, current_wordpress.cf7_form
    brief = b"Quarterly care plan, please.\n" + bytes(range(256))
    unit_tag = f"wpcf7-f{form['id']}-o1"
    body, content_type = multipart(
        [("_wpcf7", str(form["id"])), ("_wpcf7_version", "5.9.8"), ("_wpcf7_locale", "en_US"),
         ("_wpcf7_unit_tag", unit_tag), ("_wpcf7_container_post", "0"),
         ("your-name", "Ada Lovelace"), ("your-email", "ada@example.com"), ("phone-home", "+44 20 7946 0000"),
         ("phone-work", "+44 20 7946 0999"), ("topics[]", "Design"), ("topics[]", "Care plan")],
        [("your-file", "care brief.txt", brief, "text/plain")])
    # The form's page posts to CF7's REST route (its JavaScript does); the page is the referrer.
    page_url = f"{wordpress.url}/?page_id=2"
    status, answer = post(wordpress, f"/?rest_route=/contact-form-7/v1/contact-forms/{form['id']}/feedback", body,
                          content_type, referer=page_url)
    assert status == 200, answer
    # No mail server here: CF7 says mail_failed, after its wpcf7_before_send_mail has run.
    assert json.loads(answer)["status"] in ("mail_sent", "mail_failed"), answer

    [submission] = stored(real_site["tenant"])
    assert submission.formId == f"cf7-{form['id']}-contact-form-1"
    # Labels from the <label> that wraps each tag; two "Phone" labels stay apart; no label: the tag.
    assert submission.fields == {"Your name": "Ada Lovelace", "Your email": "ada@example.com",
                                 "Phone": "+44 20 7946 0000", "Phone (2)": "+44 20 7946 0999",
                                 "topics": ["Design", "Care plan"]}
    meta = submission.meta
    assert json.loads(meta["field_keys"]) == {"Your name": "your-name", "Your email": "your-email",
                                              "Phone": "phone-home", "Phone (2)": "phone-work"}
    assert meta["form_plugin"] == "contact-form-7" and meta["form_plugin_version"] == "5.9.8"
    assert meta["page_url"] == page_url and meta["user_agent"] == VISITOR["User-Agent"]
    [file] = submission.files
    assert file.field == "Brief" and file.name == "care-brief.txt"
    assert file.size == len(brief) and file.sha256 == hashlib.sha256(brief).hexdigest()
    [row] = queue(wordpress)
    assert row["status"] == "sent" and row["remote_id"] == submission.id
    assert not (wordpress.uploads / "form-bridge" / row["uuid"]).exists()  # the copy went once accepted
    assert wordpress.plugin_errors() == []


def _form_inputs(page: str, form_id: int) -> list[tuple[str, str]]:
    """The hidden inputs of Formidable's rendered form, as a browser would post them."""
    match = re.search(r'<form[^>]*class="[^"]*frm-show-form[^>]*>(.*?)</form>', page, re.S)
    assert match and f'name="form_id" value="{form_id}"' in match.group(1), re.findall(r"<form[^>]*>", page)
    inputs = []
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        attributes = dict((name, html.unescape(value)) for name, value in re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and attributes.get("name"):
            inputs.append((attributes["name"], attributes.get("value", "")))
    return inputs


def test_formidable_form_post_arrives_with_field_names_and_its_checkbox_group(current_wordpress, real_site):
    wordpress, form = current_wordpress, current_wordpress.frm_form
    status, page = wordpress.request(f"/?page_id={form['page']}")
    assert status == 200
    ids = form["fields"]
    visitor = [(f"item_meta[{ids['company']}]", "Analytical Engines Ltd"),
               (f"item_meta[{ids['channels']}][]", "SEO"), (f"item_meta[{ids['channels']}][]", "Email"),
               (f"item_meta[{ids['company_notes']}]", "Steam powered")]
    body = urllib.parse.urlencode(_form_inputs(page, form["id"]) + visitor).encode()
    status, answer = post(wordpress, f"/?page_id={form['page']}", body, "application/x-www-form-urlencoded",
                          referer=f"{wordpress.url}/?page_id={form['page']}")
    assert status == 200, answer[:500]

    [submission] = stored(real_site["tenant"])
    assert submission.formId == f"formidable-{form['id']}-project-brief"
    assert submission.fields == {"Company": "Analytical Engines Ltd", "Channels": ["SEO", "Email"],
                                 "Company (2)": "Steam powered"}
    assert json.loads(submission.meta["field_keys"]) == {"Company": "company", "Channels": "channels",
                                                         "Company (2)": "company_notes"}
    assert submission.meta["form_plugin"] == "formidable" and submission.meta["form_plugin_version"] == "6.34"
    assert submission.meta["page_url"] == f"{wordpress.url}/?page_id={form['page']}"
    [row] = queue(wordpress)
    assert row["status"] == "sent" and row["remote_id"] == submission.id
    assert wordpress.plugin_errors() == []


# --- Upgrades ---------------------------------------------------------------------------------------

RELEASE_1_TABLE = """CREATE TABLE {table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT, uuid char(36) NOT NULL, form_id varchar(100) NOT NULL,
  source varchar(40) NOT NULL DEFAULT '', payload longtext NOT NULL, files longtext NULL,
  status varchar(10) NOT NULL DEFAULT 'pending', attempts int(10) unsigned NOT NULL DEFAULT 0,
  next_attempt_at datetime NOT NULL, locked_until datetime NULL, last_status smallint(5) unsigned NULL,
  last_error text NULL, remote_id varchar(64) NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL,
  PRIMARY KEY  (id), UNIQUE KEY uuid (uuid), KEY status_due (status,next_attempt_at)) ENGINE=InnoDB"""


def test_an_upgrade_from_release_1_keeps_the_queue_and_migrates_the_table(current_wordpress, real_site, formbridge):
    wordpress = current_wordpress
    # Release 1.0.0's table and options, with a row waiting for its retry.
    wordpress.php(
        "global $wpdb; $t = Form_Bridge_Queue::table(); $wpdb->query( \"DROP TABLE {$t}\" );"
        f"$wpdb->query( str_replace( '{{table}}', $t, {json.dumps(RELEASE_1_TABLE)} ) );"
        "$wpdb->insert( $t, array( 'uuid' => '7b0c4c0e-0000-4000-8000-000000000001', 'form_id' => 'cf7-4-contact',"
        " 'source' => 'contact-form-7', 'payload' => wp_json_encode( array( 'fields' => array( 'Your name' => 'Old Row',"
        " 'Your email' => 'Old.Row@Example.com' ), 'meta' => array( 'form_plugin' => 'contact-form-7' ) ) ),"
        " 'files' => '[]', 'status' => 'pending', 'attempts' => 1, 'next_attempt_at' => '2000-01-01 00:00:00',"
        " 'created_at' => gmdate( 'Y-m-d H:i:s' ), 'updated_at' => gmdate( 'Y-m-d H:i:s' ) ) );"
        "update_option( 'form_bridge_db_version', '1' ); echo 1;")
    # New files in place (as an update does): the next request migrates, no reactivation needed.
    status, _ = wordpress.request("/")
    assert status == 200
    state = wordpress.php(
        "global $wpdb; $t = Form_Bridge_Queue::table();"
        "echo wp_json_encode( array( get_option( 'form_bridge_db_version' ), $wpdb->get_col( \"SHOW COLUMNS FROM {$t}\" ),"
        " $wpdb->get_col( \"SHOW INDEX FROM {$t} WHERE Key_name = 'email'\", 4 ),"
        " $wpdb->get_results( \"SELECT uuid, status, email FROM {$t}\", ARRAY_A ) ) );")
    version, columns, email_index, rows = state
    assert version == "2" and "email" in columns and email_index == ["email"]
    assert rows == [{"uuid": "7b0c4c0e-0000-4000-8000-000000000001", "status": "pending", "email": "old.row@example.com"}]
    # The surviving row is sent by the next WP-Cron run.
    wordpress.php("wp_clear_scheduled_hook( Form_Bridge_Sender::CRON_HOOK );"
                  "wp_schedule_event( time() - 1, Form_Bridge_Sender::CRON_SCHEDULE, Form_Bridge_Sender::CRON_HOOK ); echo 1;")
    wordpress.run_cron()
    [submission] = stored(real_site["tenant"])
    assert submission.fields == {"Your name": "Old Row", "Your email": "Old.Row@Example.com"}
    assert queue(wordpress)[0]["status"] == "sent"
    assert wordpress.plugin_errors() == []


# --- Site Health and the admin notice ---------------------------------------------------------------

def site_health(wordpress) -> dict:
    return wordpress.php(
        "require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';"
        "$out = array(); foreach ( WP_Site_Health::get_tests()['direct'] as $id => $test ) {"
        " if ( str_starts_with( $id, 'form_bridge_' ) ) { $r = call_user_func( $test['test'] );"
        " $out[ $id ] = array( $r['status'], $r['label'], wp_strip_all_tags( $r['description'] ) ); } }"
        "echo wp_json_encode( $out );")


def test_site_health_reports_the_key_the_backlog_and_a_wp_cron_nobody_runs(current_wordpress, real_site, formbridge):
    wordpress = current_wordpress
    health = site_health(wordpress)
    assert {test: result[0] for test, result in health.items()} == {
        "form_bridge_connection": "good", "form_bridge_queue": "good", "form_bridge_cron": "good"}
    assert "shop.example" in health["form_bridge_connection"][2]

    # Form-Bridge down for two hours with a submission waiting, and nothing runs WP-Cron
    # (the test site has DISABLE_WP_CRON, like a host that forgot its system cron).
    wordpress.php(f"Form_Bridge_Settings::save_endpoint( 'http://127.0.0.1:{dynamodb_local.free_port()}' ); echo 1;")
    try:
        wordpress.php("do_action( 'form_bridge_submit', 'late', array( 'Email' => 'late@example.com' ) );"
                      "global $wpdb; $wpdb->query( 'UPDATE ' . Form_Bridge_Queue::table() . ' SET created_at = "
                      "DATE_SUB(UTC_TIMESTAMP(), INTERVAL 2 HOUR)' ); wp_clear_scheduled_hook( Form_Bridge_Sender::CRON_HOOK );"
                      "wp_schedule_event( time() - HOUR_IN_SECONDS, Form_Bridge_Sender::CRON_SCHEDULE, Form_Bridge_Sender::CRON_HOOK ); echo 1;")
        health = site_health(wordpress)
    finally:
        wordpress.php(f"Form_Bridge_Settings::save_endpoint( '{formbridge.url}' ); echo 1;")
    assert {test: result[0] for test, result in health.items()} == {
        "form_bridge_connection": "critical", "form_bridge_queue": "critical", "form_bridge_cron": "critical"}
    assert "Connection refused" in health["form_bridge_connection"][2] or "connect" in health["form_bridge_connection"][2]
    assert "Pending: 1, failed: 0, oldest pending entry waiting 120 min." == health["form_bridge_queue"][2]
    assert "DISABLE_WP_CRON" in health["form_bridge_cron"][2]

    # The notice, with a link to the plugin's page, for administrators only.
    admin = AdminSession(wordpress, ADMIN_USER, ADMIN_PASSWORD)
    _, dashboard = admin.open("/wp-admin/")
    notice = re.search(r'<div class="notice notice-error" id="form-bridge-failing"><p>(.*?)</p>', dashboard)
    assert notice and "not been able to send 1 form submission for more than an hour" in notice.group(1)
    assert 'href="' + wordpress.url + '/wp-admin/options-general.php?page=form-bridge"' in notice.group(1)
    wordpress.php("if ( ! username_exists( 'editor1' ) ) { wp_insert_user( array( 'user_login' => 'editor1', "
                  "'user_pass' => 'editor-password-1', 'role' => 'editor', 'user_email' => 'e@shop.example' ) ); } echo 1;")
    _, editor_dashboard = AdminSession(wordpress, "editor1", "editor-password-1").open("/wp-admin/")
    assert "form-bridge-failing" not in editor_dashboard

    # WP-Cron runs again and Form-Bridge answers: all good, the notice goes.
    wordpress.php("global $wpdb; $wpdb->query( 'UPDATE ' . Form_Bridge_Queue::table() . ' SET next_attempt_at = "
                  "DATE_SUB(UTC_TIMESTAMP(), INTERVAL 1 SECOND)' ); wp_clear_scheduled_hook( Form_Bridge_Sender::CRON_HOOK );"
                  "wp_schedule_event( time() - 1, Form_Bridge_Sender::CRON_SCHEDULE, Form_Bridge_Sender::CRON_HOOK ); echo 1;")
    wordpress.run_cron()
    assert {test: result[0] for test, result in site_health(wordpress).items()} == {
        "form_bridge_connection": "good", "form_bridge_queue": "good", "form_bridge_cron": "good"}
    assert "form-bridge-failing" not in admin.open("/wp-admin/")[1]


# --- Personal data tools ----------------------------------------------------------------------------

def test_personal_data_export_and_erasure_cover_queue_rows_and_file_copies(current_wordpress, real_site, formbridge):
    wordpress = current_wordpress
    wordpress.php(f"Form_Bridge_Settings::save_endpoint( 'http://127.0.0.1:{dynamodb_local.free_port()}' ); echo 1;")
    try:
        wordpress.php(
            "$brief = tempnam( get_temp_dir(), 'brief' ); file_put_contents( $brief, 'my brief' );"
            "do_action( 'form_bridge_submit', 'quote', array( 'Name' => 'Ada', 'Email' => 'Ada@Example.com' ), array(),"
            " array( 'Brief' => $brief ) );"
            "do_action( 'form_bridge_submit', 'newsletter', array( 'Email' => 'ada@example.com', 'Lists' => array( 'weekly', 'offers' ) ) );"
            "do_action( 'form_bridge_submit', 'quote', array( 'Name' => 'Grace', 'Email' => 'grace@example.com' ) ); echo 1;")
    finally:
        wordpress.php(f"Form_Bridge_Settings::save_endpoint( '{formbridge.url}' ); echo 1;")
    rows = queue(wordpress)
    ada_folder = wordpress.uploads / "form-bridge" / rows[0]["uuid"]
    assert ada_folder.exists()

    # As Tools → Export Personal Data calls each registered exporter.
    exported = wordpress.php(
        "$e = apply_filters( 'wp_privacy_personal_data_exporters', array() )['form-bridge'];"
        "echo wp_json_encode( array( $e['exporter_friendly_name'], call_user_func( $e['callback'], 'ada@example.com', 1 ) ) );")
    name, page = exported
    assert name == "Form-Bridge queue" and page["done"] is True
    assert [[(d["name"], d["value"]) for d in item["data"] if d["name"] not in ("Captured (UTC)",)] for item in page["data"]] == [
        [("Form", "quote"), ("Status", "pending"), ("Name", "Ada"), ("Email", "Ada@Example.com"), ("Brief", ada_brief_name(wordpress, rows[0]))],
        [("Form", "newsletter"), ("Status", "pending"), ("Email", "ada@example.com"), ("Lists", "weekly, offers")]]

    erased = wordpress.php(
        "$e = apply_filters( 'wp_privacy_personal_data_erasers', array() )['form-bridge'];"
        "echo wp_json_encode( call_user_func( $e['callback'], 'ADA@example.com', 1 ) );")
    assert erased["items_removed"] is True and erased["items_retained"] is False and erased["done"] is True
    assert [row["uuid"] for row in queue(wordpress)] == [rows[2]["uuid"]]  # Grace's stays
    assert not ada_folder.exists()


def ada_brief_name(wordpress, row) -> str:
    files = wordpress.php(f"global $wpdb; echo $wpdb->get_var( 'SELECT files FROM ' . Form_Bridge_Queue::table() . ' WHERE id = {row['id']}' );")
    return files[0]["name"]


# --- Translations -----------------------------------------------------------------------------------

def test_the_pot_file_is_current():
    from tests.wordpress.pot import POT, make_pot

    assert POT.read_text() == make_pot(), "languages/form-bridge.pot is stale: run `make wordpress-pot`"


def test_a_translation_in_the_plugins_languages_folder_is_used(current_wordpress, tmp_path):
    import subprocess

    wordpress = current_wordpress
    po = tmp_path / "form-bridge-de_DE.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Settings saved."\nmsgstr "Einstellungen gespeichert."\n')
    languages = wordpress.plugin_dir / "languages"
    subprocess.run(["msgfmt", "-o", str(languages / "form-bridge-de_DE.mo"), str(po)], check=True)
    # The site speaks German (WordPress accepts WPLANG only for installed core languages, and none
    # can be downloaded here: a must-use plugin sets the locale instead).
    mu_plugins = wordpress.root / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    (mu_plugins / "locale-de.php").write_text("<?php add_filter( 'locale', fn() => 'de_DE' );")
    try:
        # A request loads the plugin's own translation (its init hook); nothing else asks for it.
        translated = wordpress.php("echo wp_json_encode( array( determine_locale(), __( 'Settings saved.', 'form-bridge' ) ) );")
        assert translated == ["de_DE", "Einstellungen gespeichert."]
    finally:
        (mu_plugins / "locale-de.php").unlink()
        (languages / "form-bridge-de_DE.mo").unlink()
